/**
 * The `market` WebSocket channel (contracts/ws.ts WS_CHANNELS.market): public, without a
 * snapshot (it carries changes, not state), fed from the bus topic market.updated that
 * MarketService's changes are published on, so every node of a fleet tells its own clients.
 * Events are keyed by meme: a client that reads slowly gets the latest change of each meme,
 * which is all a page needs to know to refetch it.
 */
import { WS_CHANNELS } from '../../../contracts/ws.ts'
import type { Bus } from '../../adapters/bus/bus.ts'
import { allowEveryone, type Gateway } from '../../http/ws/gateway.ts'

/** Registers the channel on `gateway` and feeds it from `bus`; returns the end of the feed. */
export function attachMarketChannel(gateway: Pick<Gateway, 'channel' | 'connectBus'>, bus: Bus): () => void {
  gateway.channel(WS_CHANNELS.market, { authorize: allowEveryone })
  return gateway.connectBus(bus, 'market.updated', (update) => ({
    channel: WS_CHANNELS.market,
    data: update,
    key: update.memeId,
  }))
}
