/**
 * Market changes over a real WebSocket: MarketService publishes each change on the bus topic
 * market.updated (as main.ts wires it), and the gateway's `market` channel (registered and fed by
 * attachMarketChannel, as src/rounds.ts does) carries it to every subscriber, signed in or not.
 * It proves a listing, an offer, its withdrawal, a purchase and a cancel each reach a subscribed
 * socket as { memeId, kind }, in order, on a real database and ledger; that a refused purchase
 * announces nothing; and that a socket not subscribed hears nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { MarketUpdate } from '../../contracts/market.ts'
import { type ServerMessage, WS_CHANNELS } from '../../contracts/ws.ts'
import { InProcessBus } from '../../src/adapters/bus/bus.ts'
import { MarketRepository } from '../../src/services/market/market.repository.ts'
import { MarketService } from '../../src/services/market/market.service.ts'
import { attachMarketChannel } from '../../src/services/market/market-channel.ts'
import { MarketQueries } from '../../src/services/market/market-queries.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { type ListeningGateway, listenGateway } from '../support/gateway.ts'
import { eventually } from '../support/wait.ts'
import { WatchWorld } from '../support/watch-world.ts'

let db: TestDb
let world: WatchWorld
let listening: ListeningGateway
let market: MarketService
let url: string
let stopFeed: () => void
const bus = new InProcessBus()

/** A socket's market events, as they arrive. */
class Listener {
  readonly updates: MarketUpdate[] = []
  readonly messages: ServerMessage[] = []
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as ServerMessage
      this.messages.push(message)
      if (message.type === 'event' && message.channel === WS_CHANNELS.market)
        this.updates.push(message.data as MarketUpdate)
    })
  }

  static async open(subscribe: boolean): Promise<Listener> {
    const ws = new WebSocket(url)
    const listener = new Listener(ws)
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    if (subscribe) {
      ws.send(JSON.stringify({ id: 1, type: 'subscribe', channel: WS_CHANNELS.market }))
      await eventually('the subscription', () =>
        listener.messages.some((m) => m.type === 'reply' && m.id === 1),
      )
    }
    return listener
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve())
      this.ws.close()
    })
  }
}

beforeAll(async () => {
  db = await openTestDb()
  world = await new WatchWorld(db).init()
  const money = { feeBps: 200, minimumPriceSats: 1_000 }
  market = new MarketService({
    ...money,
    repository: new MarketRepository(db.kysely),
    views: new MarketQueries(db.kysely, money),
    ledger: world.ledger,
    onUpdate: (update) => bus.publish('market.updated', update),
  })
  listening = await listenGateway()
  url = listening.url
  stopFeed = attachMarketChannel(listening.gateway, bus)
})
afterAll(async () => {
  stopFeed?.()
  await listening?.close()
  await db?.close()
})

describe('the market channel', () => {
  it('carries each listing, offer, withdrawal, purchase and cancel to a subscribed socket', async () => {
    const seller = await world.newUser()
    const buyer = await world.newUser(10_000)
    const memeId = await world.approvedMeme(seller)
    await world.block(700)
    const other = await world.approvedMeme(seller)
    await world.block(701)

    const subscribed = await Listener.open(true)
    const bystander = await Listener.open(false)

    const listing = await market.list(seller, memeId, 2_000)
    expect(listing.status).toBe('created')
    const offer = await market.offer(buyer, memeId, 1_500, 'offer-key-0001')
    expect(offer.status).toBe('created')
    expect((await market.withdraw(buyer, offer.status === 'created' ? offer.offer.id : '')).status).toBe('ok')
    const listingId = listing.status === 'created' ? listing.listing.id : ''
    // Refused (the seller's own listing): nothing to announce.
    expect((await market.purchase(seller, listingId, 'own-key-0001')).status).toBe('CANNOT_BUY_OWN')
    const bought = await market.purchase(buyer, listingId, 'buy-key-00001')
    expect(bought.status).toBe('created')
    const second = await market.list(seller, other, 3_000)
    expect((await market.cancel(seller, second.status === 'created' ? second.listing.id : '')).status).toBe(
      'ok',
    )

    const expected: MarketUpdate[] = [
      { memeId, kind: 'listed' },
      { memeId, kind: 'offer' },
      { memeId, kind: 'offer' },
      { memeId, kind: 'sold' },
      { memeId: other, kind: 'listed' },
      { memeId: other, kind: 'cancelled' },
    ]
    await eventually('the six updates', () => subscribed.updates.length >= expected.length)
    // A moment for anything that should not come.
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(subscribed.updates).toEqual(expected)
    expect(bystander.updates).toEqual([])
    await subscribed.close()
    await bystander.close()
  })
})
