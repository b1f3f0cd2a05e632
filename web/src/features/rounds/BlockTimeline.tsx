/**
 * The block timeline that opens the live round page, after mempool.space: past blocks (finished
 * rounds) line up as cubes on the left, and the block being "mined" (the round in progress) sits
 * on the right, filling as sats flow into its pool. Until rounds run there are no finished
 * rounds to show, so the track says so and the next block is drawn as an empty outline.
 */
import type { CSSProperties } from 'react'
import { EmptyState } from '../../components/EmptyState.tsx'

function PastBlocks() {
  return (
    <div className="timeline-past">
      <h3 className="timeline-caption">Past blocks</h3>
      <EmptyState title="No finished rounds yet">
        each block closes a round; finished rounds appear here as cubes showing the block's height, the
        round's winning meme and the pool it paid out.
      </EmptyState>
    </div>
  )
}

function NextBlock() {
  return (
    <div className="timeline-next">
      <h3 className="timeline-caption">Next block</h3>
      {/* Fill 0%: no round is open, so no sats have flowed into a pool. */}
      <div className="block-cube block-cube-pending" style={{ '--fill': '0%' } as CSSProperties}>
        <div className="block-cube-face">
          <span className="block-cube-title">No round open</span>
          <span className="block-cube-note">A round opens when the next block is seen</span>
        </div>
      </div>
    </div>
  )
}

export function BlockTimeline() {
  return (
    <div className="timeline">
      <PastBlocks />
      <div className="timeline-divider" aria-hidden="true" />
      <NextBlock />
    </div>
  )
}
