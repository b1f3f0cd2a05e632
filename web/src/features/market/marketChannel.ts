/**
 * The server's `market` WebSocket channel (contracts/ws.ts WS_CHANNELS.market): one event per
 * change to a meme's listing, offers or owner (contracts/market.ts MarketUpdate), and what each
 * makes stale in the app's cache. The channel's name is copied here so the bundle stays free of
 * the schema library; a unit test checks it against the contract.
 */
import type { MarketUpdate } from '../../../../contracts/market.ts'

export const MARKET_CHANNEL = 'market'

/** The cache tags an update makes stale: the market, the user's memes, and that meme's page. */
export function staleAfter(update: MarketUpdate) {
  return ['Listings', 'MyMarket', { type: 'Meme', id: update.memeId }] as const
}
