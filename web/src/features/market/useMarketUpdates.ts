/**
 * Keeps a market page current: while it is mounted, each event of the `market` channel refetches
 * what it made stale (marketChannel.ts), so a sale or a new offer shows at once; the pages' slow
 * poll (MARKET_POLL_INTERVAL_MS) stays for a connection that is down.
 */

import type { MarketUpdate } from '../../../../contracts/market.ts'
import { useAppDispatch } from '../../app/hooks.ts'
import { useChannel } from '../../app/useChannel.ts'
import { marketApi } from './marketApi.ts'
import { MARKET_CHANNEL, staleAfter } from './marketChannel.ts'

export function useMarketUpdates(): void {
  const dispatch = useAppDispatch()
  useChannel<MarketUpdate>(MARKET_CHANNEL, (update) => {
    dispatch(marketApi.util.invalidateTags([...staleAfter(update)]))
  })
}
