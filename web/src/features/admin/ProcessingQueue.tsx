/**
 * The memes on their way from upload to review (validated, transforming, checked), newest first,
 * each with its state, a progress bar that moves with the job's own reports, its attempts and any
 * problems named so far. The lists follow the live feed, or are polled while it is down.
 */
import type { AdminMemeView } from '../../../../contracts/content.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatDateTime, formatInteger } from '../../components/format.ts'
import { QueryError } from '../../components/QueryError.tsx'
import { useGetAdminMemesQuery } from '../content/contentApi.ts'
import { newestFirst } from '../content/memeCache.ts'
import { formatProgress, MEME_STATE_LABELS, memeStateNote, problemLabel } from '../content/memeWording.ts'
import { useMemeFeed } from './AdminLayout.tsx'

function useProcessingMemes() {
  const options = { pollingInterval: useMemeFeed().pollingIntervalMs }
  const queries = [
    useGetAdminMemesQuery({ state: 'validated' }, options),
    useGetAdminMemesQuery({ state: 'transforming' }, options),
    useGetAdminMemesQuery({ state: 'checked' }, options),
  ]
  return {
    memes: queries.flatMap((query) => query.data?.memes ?? []).sort(newestFirst),
    isLoading: queries.some((query) => query.isLoading),
    error: queries.find((query) => query.error)?.error,
  }
}

/** Determinate while the job reports progress; moving but without a figure while it does not. */
function MemeProgress({ meme }: { meme: AdminMemeView }) {
  if (meme.state === 'validated' && meme.progress === null) return null
  return (
    <div className="meme-progress">
      <progress max={1} value={meme.progress ?? undefined} aria-label={`Progress of “${meme.title}”`} />
      <span className="mono">{meme.progress === null ? '' : formatProgress(meme.progress)}</span>
    </div>
  )
}

export function MemeStateBadge({ meme }: { meme: Pick<AdminMemeView, 'state'> }) {
  return <span className="meme-state-badge">{MEME_STATE_LABELS[meme.state]}</span>
}

export function ProblemList({ problems }: { problems: string[] }) {
  if (problems.length === 0) return null
  return (
    <ul className="meme-problems" aria-label="Problems">
      {problems.map((problem) => (
        <li key={problem}>{problemLabel(problem)}</li>
      ))}
    </ul>
  )
}

function ProcessingRow({ meme }: { meme: AdminMemeView }) {
  return (
    <li className="meme-row" data-state={meme.state}>
      <div className="meme-row-head">
        <MemeStateBadge meme={meme} />
        <strong className="meme-row-title">{meme.title}</strong>
        {meme.attempts > 0 && (
          <span className="meme-row-attempts">attempt {formatInteger(meme.attempts)}</span>
        )}
        <span className="meme-row-time">{formatDateTime(meme.createdAt)}</span>
      </div>
      <MemeProgress meme={meme} />
      <p className="meme-row-note">{memeStateNote(meme)}</p>
      <ProblemList problems={meme.problems} />
    </li>
  )
}

export function ProcessingQueue() {
  const { memes, isLoading, error } = useProcessingMemes()
  if (isLoading) return <p className="status-muted">Loading the processing queue…</p>
  if (error) return <QueryError what="the processing queue" error={error} />
  if (memes.length === 0) {
    return (
      <EmptyState title="Nothing in processing">
        each uploaded meme appears here while it is animated and its quality checked, with its progress live.
      </EmptyState>
    )
  }
  return (
    <ul className="meme-rows" aria-label="Processing queue">
      {memes.map((meme) => (
        <ProcessingRow key={meme.id} meme={meme} />
      ))}
    </ul>
  )
}
