/**
 * The review of one meme (/admin/memes/:id): the original and its animation side by side, the
 * quality check's figures, the problems that need a closer look (a near-duplicate links to the
 * meme it resembles), and the decision. The meme follows the live feed, so a retried meme
 * shows its progress here too.
 */
import { Link, useParams } from 'react-router'
import type { AdminMemeView, AnimationView } from '../../../../contracts/content.ts'
import { formatDateTime, formatInteger } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { QueryError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { identityOf } from '../auth/identity.ts'
import { useGetAdminMemeQuery } from '../content/contentApi.ts'
import {
  ENGINE_LABELS,
  formatFps,
  formatMilliseconds,
  formatPercent,
  memeStateNote,
  problemLabel,
  SMOOTHNESS_PASS,
} from '../content/memeWording.ts'
import { formatBytes } from '../content/uploadChecks.ts'
import { useMemeFeed } from './AdminLayout.tsx'
import { AdminOnly } from './AdminOnly.tsx'
import { MemeStateBadge } from './ProcessingQueue.tsx'
import { ReviewDecision } from './ReviewDecision.tsx'
import { memeReviewPath } from './ReviewQueue.tsx'

function SideBySide({ meme }: { meme: AdminMemeView }) {
  const { original, animation } = meme
  return (
    <div className="review-media">
      <figure className="review-figure">
        <img
          src={original.url}
          alt={`Original of “${meme.title}”`}
          width={original.width}
          height={original.height}
        />
        <figcaption>
          <strong>Original</strong> · {original.format.toUpperCase()}, {formatInteger(original.width)} ×{' '}
          {formatInteger(original.height)}, {formatBytes(original.bytes)}
        </figcaption>
      </figure>
      <figure className="review-figure">
        {animation ? (
          <img
            src={animation.url}
            alt={`Animation of “${meme.title}”`}
            width={animation.width}
            height={animation.height}
          />
        ) : (
          <div className="review-figure-missing">No animation yet</div>
        )}
        <figcaption>
          <strong>Animation</strong>
          {animation &&
            ` · ${formatInteger(animation.width)} × ${formatInteger(animation.height)}, ${formatFps(animation.fps)}, ${formatMilliseconds(animation.durationMs)} loop`}
        </figcaption>
      </figure>
    </div>
  )
}

function QualityFacts({ animation }: { animation: AnimationView }) {
  const { quality } = animation
  return (
    <>
      <dl className="facts review-facts">
        <div>
          <dt>Smoothness</dt>
          <dd className="mono" data-ok={quality ? quality.smoothness >= SMOOTHNESS_PASS : undefined}>
            {quality ? formatPercent(quality.smoothness) : 'not measured'}
          </dd>
        </div>
        <div>
          <dt>Frame rate</dt>
          <dd className="mono">{formatFps(quality?.fps ?? animation.fps)}</dd>
        </div>
        <div>
          <dt>Frames</dt>
          <dd className="mono">{formatInteger(quality?.frameCount ?? animation.frameCount)}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd className="mono">{formatMilliseconds(quality?.durationMs ?? animation.durationMs)}</dd>
        </div>
        <div>
          <dt>Processing time</dt>
          <dd className="mono">{formatMilliseconds(animation.processingMs)}</dd>
        </div>
        <div>
          <dt>Engine</dt>
          <dd className="mono">{ENGINE_LABELS[animation.engine]}</dd>
        </div>
      </dl>
      <p className="admin-lead">
        {quality === null && 'The quality check has not run on this animation.'}
        {quality?.ok && `Passed the quality check: smoothness needs ${formatPercent(SMOOTHNESS_PASS)}.`}
        {quality &&
          !quality.ok &&
          `Failed the quality check: smoothness needs ${formatPercent(SMOOTHNESS_PASS)}.`}
      </p>
      {quality && quality.failures.length > 0 && (
        <ul className="meme-problems" aria-label="Quality failures">
          {quality.failures.map((failure) => (
            <li key={failure.code}>
              {problemLabel(`quality:${failure.code}`)}: {failure.detail}
            </li>
          ))}
        </ul>
      )}
    </>
  )
}

function Problems({ meme }: { meme: AdminMemeView }) {
  if (meme.problems.length === 0) {
    return <p className="admin-lead">None: it passed every check on its way here.</p>
  }
  return (
    <ul className="meme-problems" aria-label="Problems">
      {meme.problems.map((problem) => (
        <li key={problem}>
          {problemLabel(problem)}
          {problem === 'near_duplicate' && meme.nearDuplicateOf && (
            <>
              {': '}
              <Link to={memeReviewPath(meme.nearDuplicateOf)}>see the other meme</Link>
            </>
          )}
        </li>
      ))}
    </ul>
  )
}

function MemeReview({ id }: { id: string }) {
  const { pollingIntervalMs } = useMemeFeed()
  const { data: meme, error, isLoading } = useGetAdminMemeQuery(id, { pollingInterval: pollingIntervalMs })
  if (isLoading) return <p className="status-muted">Loading the meme…</p>
  if (!meme) return <QueryError what="the meme" error={error} />
  return (
    <>
      <Section title={meme.title}>
        <p className="review-state" data-state={meme.state}>
          <MemeStateBadge meme={meme} /> {memeStateNote(meme)}
        </p>
        <SideBySide meme={meme} />
        <dl className="facts">
          <div>
            <dt>Creator</dt>
            <dd className="mono break-anywhere">{identityOf(meme.creator)}</dd>
          </div>
          <div>
            <dt>Tags</dt>
            <dd>{meme.tags.length > 0 ? meme.tags.join(', ') : 'none'}</dd>
          </div>
          <div>
            <dt>Uploaded</dt>
            <dd className="mono">{formatDateTime(meme.createdAt)}</dd>
          </div>
          <div>
            <dt>Attempts</dt>
            <dd className="mono">{formatInteger(meme.attempts)}</dd>
          </div>
        </dl>
      </Section>
      <Section title="Quality">
        {meme.animation ? (
          <QualityFacts animation={meme.animation} />
        ) : (
          <p className="admin-lead">There is no animation to measure yet.</p>
        )}
      </Section>
      <Section title="Problems">
        <Problems meme={meme} />
      </Section>
      <Section title="Decision">
        <ReviewDecision key={meme.id} meme={meme} />
      </Section>
    </>
  )
}

export function MemeReviewPage() {
  const { id = '' } = useParams()
  return (
    <Page
      title="Review a meme"
      purpose="Compare the original with its animation, check the figures and any problems, then approve, reject or animate it again."
    >
      <p>
        <Link to="/admin">Back to admin</Link>
      </p>
      <AdminOnly title="The meme">
        <MemeReview id={id} />
      </AdminOnly>
    </Page>
  )
}
