/**
 * The header's live view of the chain: the newest block's height, how long ago it was found
 * (ticking every second, since a round lasts exactly one block), and the server's sync state
 * when it is anything but synced. Only the height is a live region: a new block is worth
 * announcing, a clock ticking every second is not.
 */
import { formatDateTime, formatInteger } from '../../components/format.ts'
import { useNow } from '../../components/useNow.ts'
import { useChainStatus } from './chainApi.ts'
import { formatElapsed } from './timeSince.ts'

const TICK_MS = 1_000
const MS_PER_SECOND = 1_000

const SYNC_LABELS = {
  starting: 'Starting',
  'catching-up': 'Catching up',
  degraded: 'Degraded',
  synced: 'Synced',
} as const

function BlockIcon() {
  return (
    <svg className="chain-tip-icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d="M8 1 14.5 4.5 8 8 1.5 4.5Z" className="chain-tip-icon-top" />
      <path d="M1.5 4.5 8 8v7l-6.5-3.5Z" className="chain-tip-icon-left" />
      <path d="M14.5 4.5 8 8v7l6.5-3.5Z" className="chain-tip-icon-right" />
    </svg>
  )
}

function BlockAge({ time }: { time: number }) {
  const now = useNow(TICK_MS)
  const minedAt = new Date(time * MS_PER_SECOND)
  return (
    <time
      className="chain-tip-age"
      dateTime={minedAt.toISOString()}
      title={formatDateTime(minedAt.toISOString())}
    >
      {formatElapsed(now / MS_PER_SECOND - time)} ago
    </time>
  )
}

export function ChainTip() {
  const { data, isLoading, isError } = useChainStatus()

  if (isLoading) {
    return (
      <div className="chain-tip">
        <BlockIcon />
        <span className="status-muted">Reading the chain…</span>
      </div>
    )
  }
  // A poll that fails after good ones means the figures have stopped updating; do not show them as live.
  if (isError || !data) {
    return (
      <div className="chain-tip">
        <BlockIcon />
        <span className="status-muted">Chain status unavailable</span>
      </div>
    )
  }

  const { tip, sync } = data
  return (
    <section className="chain-tip" aria-label="Chain tip" data-height={tip?.height}>
      <BlockIcon />
      <span className="chain-tip-height" role="status">
        {tip ? (
          <>
            <span className="chain-tip-label">Block </span>
            <span className="mono">{formatInteger(tip.height)}</span>
          </>
        ) : (
          'No block yet'
        )}
      </span>
      {tip && <BlockAge time={tip.time} />}
      {sync.state !== 'synced' && (
        <span className="sync-state" data-state={sync.state} title={sync.lastError ?? undefined}>
          {SYNC_LABELS[sync.state]}
        </span>
      )}
    </section>
  )
}
