/**
 * The block timeline that opens the live round page, after mempool.space: past blocks (finished
 * rounds) line up as cubes, newest beside the dashed line, each with its height, the pool it
 * paid out and its winning meme; on the other side the block being "mined" (the round in
 * progress) fills from the bottom as sats flow into its pool. Past blocks scroll sideways on a
 * narrow screen, starting from the newest.
 */
import type { CSSProperties } from 'react'
import { Link } from 'react-router'
import type { RoundSummary, RoundView } from '../../../../contracts/rounds.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatDateTime, formatInteger, formatSats } from '../../components/format.ts'
import { formatElapsed } from '../chain/timeSince.ts'
import { blockFillPercent, secondsSince } from './roundFigures.ts'

const STATE_WORDS: Record<RoundSummary['state'], string> = {
  open: 'open',
  closed: 'closed, settling',
  settled: 'settled',
}

function PastBlock({ round, nowMs }: { round: RoundSummary; nowMs: number }) {
  const endedAt = round.closedAt ?? round.openedAt
  const age = formatElapsed(secondsSince(endedAt, nowMs))
  const winner = round.winner
  return (
    <li className="timeline-block">
      <Link
        to={`/rounds/${round.height}`}
        className="timeline-block-link"
        aria-label={`Block ${formatInteger(round.height)}: pool ${formatSats(round.poolSats)}, ${
          winner ? `won by ${winner.title}` : 'no winner'
        }, ${STATE_WORDS[round.state]}, ended ${age} ago`}
      >
        <span className="timeline-block-height mono">{formatInteger(round.height)}</span>
        <span className="block-cube block-cube-mined" style={{ '--fill': '100%' } as CSSProperties}>
          <span className="block-cube-face">
            {winner ? (
              <img className="block-cube-thumb" src={winner.thumbnailUrl} alt="" loading="lazy" />
            ) : (
              <span className="block-cube-note">No winner</span>
            )}
            <span className="block-cube-title mono">{formatSats(round.poolSats)}</span>
            {winner && <span className="block-cube-note block-cube-winner">{winner.title}</span>}
          </span>
        </span>
        <time className="timeline-block-age" dateTime={endedAt} title={formatDateTime(endedAt)}>
          {age} ago
        </time>
      </Link>
    </li>
  )
}

function PastBlocks({ rounds, nowMs }: { rounds: readonly RoundSummary[]; nowMs: number }) {
  return (
    <div className="timeline-past">
      <h3 className="timeline-caption">Past blocks</h3>
      {rounds.length === 0 ? (
        <EmptyState title="No finished rounds yet">
          each block closes a round; finished rounds appear here as cubes showing the block's height, the
          round's winning meme and the pool it paid out.
        </EmptyState>
      ) : (
        // Newest first in reading order; drawn right to left so the newest sits by the line.
        <ol className="timeline-track" aria-label="Past blocks, newest first">
          {rounds.map((round) => (
            <PastBlock key={round.height} round={round} nowMs={nowMs} />
          ))}
        </ol>
      )}
    </div>
  )
}

interface NextBlockProps {
  round: RoundView | null
  recentPools: readonly number[]
  nowMs: number
}

function NextBlock({ round, recentPools, nowMs }: NextBlockProps) {
  if (round === null) {
    return (
      <div className="timeline-next">
        <h3 className="timeline-caption">Next block</h3>
        <div className="timeline-next-block">
          <span className="timeline-block-height" aria-hidden="true">
            &nbsp;
          </span>
          <div className="block-cube block-cube-pending" style={{ '--fill': '0%' } as CSSProperties}>
            <div className="block-cube-face">
              <span className="block-cube-title">No round open</span>
              <span className="block-cube-note">A round opens when the next block is seen</span>
            </div>
          </div>
        </div>
      </div>
    )
  }
  const fill = blockFillPercent(round.poolSats, recentPools)
  const memes = round.memes.length
  return (
    <div className="timeline-next">
      <h3 className="timeline-caption">Being mined</h3>
      <div className="timeline-next-block">
        <span className="timeline-block-height mono">{formatInteger(round.height)}</span>
        <div
          className="block-cube block-cube-live"
          style={{ '--fill': `${fill}%` } as CSSProperties}
          data-testid="live-block"
          data-fill={fill}
        >
          <div className="block-cube-face">
            <span className="block-cube-title mono">{formatSats(round.poolSats)}</span>
            <span className="block-cube-note">in the pool</span>
            <span className="block-cube-note">
              {formatInteger(memes)} {memes === 1 ? 'meme' : 'memes'}
            </span>
          </div>
        </div>
        <time className="timeline-block-age" dateTime={round.openedAt} title={formatDateTime(round.openedAt)}>
          {formatElapsed(secondsSince(round.openedAt, nowMs))}
        </time>
      </div>
    </div>
  )
}

interface BlockTimelineProps {
  /** Finished rounds, newest first. */
  past: readonly RoundSummary[]
  current: RoundView | null
  /** The server's clock, for the blocks' ages. */
  nowMs: number
}

export function BlockTimeline({ past, current, nowMs }: BlockTimelineProps) {
  return (
    <div className="timeline">
      <PastBlocks rounds={past} nowMs={nowMs} />
      <div className="timeline-divider" aria-hidden="true" />
      <NextBlock round={current} recentPools={past.map((round) => round.poolSats)} nowMs={nowMs} />
    </div>
  )
}
