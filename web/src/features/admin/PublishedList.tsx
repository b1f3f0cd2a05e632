/**
 * What review has let through: approved memes in the order rounds take them (the public round
 * queue, first in first out, with the ones the next round takes marked), then the memes already
 * taken into a round.
 */
import { Link } from 'react-router'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatDateTime, formatInteger } from '../../components/format.ts'
import { QueryError } from '../../components/QueryError.tsx'
import { useGetAdminMemesQuery, useGetRoundQueueQuery } from '../content/contentApi.ts'
import { useMemeFeed } from './AdminLayout.tsx'
import { memeReviewPath } from './ReviewQueue.tsx'

function RoundQueue() {
  const { pollingIntervalMs } = useMemeFeed()
  const { data, error, isLoading } = useGetRoundQueueQuery(undefined, { pollingInterval: pollingIntervalMs })
  if (isLoading) return <p className="status-muted">Loading the round queue…</p>
  if (!data) return <QueryError what="the round queue" error={error} />
  if (data.memes.length === 0) {
    return (
      <EmptyState title="The round queue is empty">
        approved memes line up here, and each new round takes up to {formatInteger(data.memesPerRound)} of
        them, first in, first out.
      </EmptyState>
    )
  }
  return (
    <>
      <p className="admin-lead">
        The next round takes the first {formatInteger(data.memesPerRound)}, first in, first out.
      </p>
      <ol className="meme-cards" aria-label="Round queue">
        {data.memes.map((meme) => (
          <li key={meme.id} className="meme-card" data-next-round={meme.position <= data.memesPerRound}>
            <img
              className="meme-card-thumb"
              src={meme.thumbnailUrl}
              alt=""
              width={240}
              height={135}
              loading="lazy"
            />
            <div className="meme-card-body">
              <span className="queue-position">
                <span className="visually-hidden">Position </span>
                {formatInteger(meme.position)}
              </span>
              <Link className="meme-card-title" to={memeReviewPath(meme.id)}>
                {meme.title}
              </Link>
              {meme.position <= data.memesPerRound && <p className="meme-row-note">In the next round.</p>}
            </div>
          </li>
        ))}
      </ol>
    </>
  )
}

function InRounds() {
  const { pollingIntervalMs } = useMemeFeed()
  const { data, error, isLoading } = useGetAdminMemesQuery(
    { state: 'assigned' },
    { pollingInterval: pollingIntervalMs },
  )
  if (isLoading) return <p className="status-muted">Loading the memes in rounds…</p>
  if (!data) return <QueryError what="the memes in rounds" error={error} />
  if (data.memes.length === 0) {
    return (
      <EmptyState title="None in a round yet">
        when a round opens it takes memes from the queue above, and they move here.
      </EmptyState>
    )
  }
  return (
    <ul className="meme-cards" aria-label="In rounds">
      {data.memes.map((meme) => (
        <li key={meme.id} className="meme-card">
          {meme.animation && (
            <img
              className="meme-card-thumb"
              src={meme.animation.thumbnailUrls.small}
              alt=""
              width={240}
              height={135}
              loading="lazy"
            />
          )}
          <div className="meme-card-body">
            <Link className="meme-card-title" to={memeReviewPath(meme.id)}>
              {meme.title}
            </Link>
            <p className="meme-row-time">Since {formatDateTime(meme.updatedAt)}</p>
          </div>
        </li>
      ))}
    </ul>
  )
}

export function PublishedList() {
  return (
    <>
      <section className="admin-block" aria-labelledby="round-queue-heading">
        <h3 className="admin-subheading" id="round-queue-heading">
          Round queue
        </h3>
        <RoundQueue />
      </section>
      <section className="admin-block" aria-labelledby="in-rounds-heading">
        <h3 className="admin-subheading" id="in-rounds-heading">
          In rounds
        </h3>
        <InRounds />
      </section>
    </>
  )
}
