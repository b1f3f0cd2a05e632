/**
 * The memes of the round in progress as cards, in slot order so a card stays put while the
 * counters on it move: paid seconds, revenue and distinct viewers this round, updated as the
 * `round` channel sends them (at most once a second). The counters are not a live region: a
 * screen reader would hear numbers every second; the page announces new leaders instead.
 */
import { Link } from 'react-router'
import type { RoundMemeView } from '../../../../contracts/rounds.ts'
import { formatInteger, formatSats } from '../../components/format.ts'
import { memesBySlot } from './roundFigures.ts'

function MemeCard({ meme }: { meme: RoundMemeView }) {
  const titleId = `meme-card-${meme.memeId}`
  return (
    <li className="meme-card" aria-labelledby={titleId} data-meme-id={meme.memeId}>
      <div className="meme-card-media">
        <img src={meme.posterUrl || meme.thumbnailUrl} alt="" loading="lazy" />
        <span className="rank-badge meme-card-rank" data-rank={meme.rank <= 3 ? meme.rank : undefined}>
          <span className="visually-hidden">Place </span>
          {meme.rank}
        </span>
      </div>
      <div className="meme-card-body">
        <h3 id={titleId} className="meme-card-title">
          {meme.title}
        </h3>
        <p className="meme-card-people">
          by <span className="mono">{meme.creator.label}</span>
          {meme.owner.id !== meme.creator.id && (
            <>
              {' '}
              · owned by <span className="mono">{meme.owner.label}</span>
            </>
          )}
        </p>
        <dl className="meme-card-stats">
          <div>
            <dt>Seconds</dt>
            <dd className="figure" data-testid="meme-paid-seconds">
              {formatInteger(meme.paidSeconds)}
            </dd>
          </div>
          <div>
            <dt>Revenue</dt>
            <dd className="figure">{formatSats(meme.revenueSats)}</dd>
          </div>
          <div>
            <dt>Viewers</dt>
            <dd className="figure">{formatInteger(meme.viewers)}</dd>
          </div>
        </dl>
        <Link
          className="button button-primary meme-card-watch"
          to={`/watch/${encodeURIComponent(meme.memeId)}`}
        >
          Watch<span className="visually-hidden"> {meme.title}</span>
        </Link>
      </div>
    </li>
  )
}

export function MemeGrid({ memes }: { memes: readonly RoundMemeView[] }) {
  return (
    <ul className="meme-grid">
      {memesBySlot(memes).map((meme) => (
        <MemeCard key={meme.memeId} meme={meme} />
      ))}
    </ul>
  )
}
