/**
 * The live round page's connection to the `round` and `blocks` channels: each `round` event
 * replaces the cached round in progress, and a block not seen before refetches the rounds that
 * block closed. While the WebSocket is down the round in progress is polled instead, so the page
 * never freezes silently.
 */
import { useRef } from 'react'
import type { BlockEvent, RoundView } from '../../../../contracts/rounds.ts'
import { useChannel, useWsState } from '../../app/useChannel.ts'
import { WS_CHANNELS } from '../../app/ws.ts'
import { useNow } from '../../components/useNow.ts'
import {
  blockFound,
  ROUND_POLL_INTERVAL_MS,
  roundViewReceived,
  useGetCurrentRoundQuery,
  useRoundsDispatch,
} from './roundsApi.ts'

export function useRoundFeed(): void {
  const dispatch = useRoundsDispatch()
  const lastBlock = useRef<number | null>(null)
  useChannel<RoundView | null>(WS_CHANNELS.round, (round) => dispatch(roundViewReceived(round)))
  useChannel<BlockEvent | null>(WS_CHANNELS.blocks, (block) => {
    // The first snapshot only says where the chain is (null: no block yet); a later height (live,
    // or in the snapshot after a reconnect that missed blocks) means rounds closed.
    if (block === null) return
    if (lastBlock.current !== null && block.height !== lastBlock.current) dispatch(blockFound())
    lastBlock.current = block.height
  })
}

/** The round in progress, from the cache the feed keeps current, polled while the feed is down. */
export function useCurrentRound() {
  const { status } = useWsState()
  return useGetCurrentRoundQuery(undefined, {
    pollingInterval: status === 'open' ? 0 : ROUND_POLL_INTERVAL_MS,
  })
}

/** The server's clock, ticking every `intervalMs`: this device's clock corrected by the hello's. */
export function useServerNow(intervalMs: number): number {
  const now = useNow(intervalMs)
  return now + useWsState().clockSkewMs
}
