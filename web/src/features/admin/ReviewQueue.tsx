/**
 * The memes waiting for an admin's decision (in_review), newest first: a thumbnail of the
 * animation when there is one, why it is here, and a link to its review.
 */
import { Link } from 'react-router'
import type { AdminMemeView } from '../../../../contracts/content.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatDateTime } from '../../components/format.ts'
import { QueryError } from '../../components/QueryError.tsx'
import { useGetAdminMemesQuery } from '../content/contentApi.ts'
import { memeStateNote } from '../content/memeWording.ts'
import { useMemeFeed } from './AdminLayout.tsx'
import { ProblemList } from './ProcessingQueue.tsx'

export function memeReviewPath(id: string): string {
  return `/admin/memes/${encodeURIComponent(id)}`
}

function ReviewRow({ meme }: { meme: AdminMemeView }) {
  const thumbnail = meme.animation?.thumbnailUrls.small
  return (
    <li className="meme-card">
      {thumbnail ? (
        <img className="meme-card-thumb" src={thumbnail} alt="" width={240} height={135} loading="lazy" />
      ) : (
        <span className="meme-card-thumb meme-card-thumb-missing">No animation</span>
      )}
      <div className="meme-card-body">
        <Link className="meme-card-title" to={memeReviewPath(meme.id)}>
          {meme.title}
          <span className="visually-hidden">: review it</span>
        </Link>
        <p className="meme-row-note">{memeStateNote(meme)}</p>
        <ProblemList problems={meme.problems} />
        <p className="meme-row-time">Uploaded {formatDateTime(meme.createdAt)}</p>
      </div>
    </li>
  )
}

export function ReviewQueue() {
  const { pollingIntervalMs } = useMemeFeed()
  const { data, error, isLoading } = useGetAdminMemesQuery(
    { state: 'in_review' },
    { pollingInterval: pollingIntervalMs },
  )
  if (isLoading) return <p className="status-muted">Loading the memes to review…</p>
  if (!data) return <QueryError what="the memes to review" error={error} />
  if (data.memes.length === 0) {
    return (
      <EmptyState title="Nothing to review">
        each meme comes here once it is animated and checked, and waits for an admin to approve, reject or
        retry it.
      </EmptyState>
    )
  }
  return (
    <ul className="meme-cards" aria-label="Memes to review">
      {data.memes.map((meme) => (
        <ReviewRow key={meme.id} meme={meme} />
      ))}
    </ul>
  )
}
