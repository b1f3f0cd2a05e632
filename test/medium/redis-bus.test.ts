/**
 * The Redis bus between two nodes (two RedisBus instances, each with its own two connections, as
 * two processes would have): every message published on either node reaches every subscriber on
 * both, exactly once and in order, the publishing node's own subscribers included (synchronously,
 * and without a local subscriber's changes reaching other nodes); bigint fields
 * arrive as bigint; unsubscribing stops delivery; any topic name works, the bus knows none.
 * Runs only with REDIS_URL (CI: redis://127.0.0.1:6379).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BusTopics, Topic } from '../../src/adapters/bus/bus.ts'
import type { RedisBus } from '../../src/adapters/bus/redis-bus.ts'
import { eventually, openTwoNodes, REDIS_URL, sleep, type TwoNodes, testPrefix } from '../support/redis.ts'

/** Time after the last expected message in which a duplicate would have shown up. */
const DUPLICATE_WINDOW_MS = 200

describe.skipIf(!REDIS_URL)('RedisBus across two nodes', () => {
  let nodes: TwoNodes
  let nodeA: RedisBus
  let nodeB: RedisBus

  beforeAll(async () => {
    nodes = await openTwoNodes(REDIS_URL!, testPrefix('bus'))
    nodeA = nodes.a.bus
    nodeB = nodes.b.bus
  })
  afterAll(() => nodes?.close())

  it('delivers each message once to each subscriber on both nodes, in order', async () => {
    const seen = { a1: [] as number[], a2: [] as number[], b1: [] as number[] }
    const unsubscribe = [
      nodeA.subscribe('round.updated', (m) => seen.a1.push(m.height ?? -1)),
      nodeA.subscribe('round.updated', (m) => seen.a2.push(m.height ?? -1)),
      nodeB.subscribe('round.updated', (m) => seen.b1.push(m.height ?? -1)),
    ]
    await Promise.all([nodeA.subscribed(), nodeB.subscribed()])

    const fromA = [1, 2, 3, 4, 5]
    const fromB = [101, 102, 103]
    for (const height of fromA) nodeA.publish('round.updated', { height })
    for (const height of fromB) nodeB.publish('round.updated', { height })
    const total = fromA.length + fromB.length
    await eventually('every subscriber saw every message', () =>
      Object.values(seen).every((list) => list.length >= total),
    )
    await sleep(DUPLICATE_WINDOW_MS)

    for (const list of Object.values(seen)) {
      expect(list).toHaveLength(total)
      // Each node's messages keep their order wherever they are delivered.
      expect(list.filter((h) => h < 100)).toEqual(fromA)
      expect(list.filter((h) => h > 100)).toEqual(fromB)
    }
    // The publisher's own subscribers got its messages at once, before Redis echoed them.
    for (const u of unsubscribe) u()
  })

  it('delivers on the publishing node synchronously, like the in-process bus', async () => {
    const seen: string[] = []
    const unsubscribe = nodeA.subscribe('content.meme', (m) => seen.push(m.memeId))
    await nodeA.subscribed()
    nodeA.publish('content.meme', { memeId: 'm-sync', progress: 0.5 })
    expect(seen).toEqual(['m-sync'])
    await sleep(DUPLICATE_WINDOW_MS)
    expect(seen).toEqual(['m-sync'])
    unsubscribe()
  })

  it('sends other nodes the message as published, whatever a local subscriber does to it', async () => {
    const onB: unknown[] = []
    const stopA = nodeA.subscribe('content.meme', (m) => {
      m.progress = 1
    })
    const stopB = nodeB.subscribe('content.meme', (m) => onB.push(m))
    await Promise.all([nodeA.subscribed(), nodeB.subscribed()])
    nodeA.publish('content.meme', { memeId: 'm-copy', progress: 0.25 })
    await eventually('node B got it', () => onB.length === 1)
    expect(onB[0]).toEqual({ memeId: 'm-copy', progress: 0.25 })
    stopA()
    stopB()
  })

  it('carries bigint fields across nodes as bigint', async () => {
    const received: unknown[] = []
    const unsubscribe = nodeB.subscribe('user.event', (m) => received.push(m))
    await nodeB.subscribed()
    // No topic carries a bigint today; this stands for one that will (ledger amounts are bigint).
    const event = { kind: 'balance', balanceSats: 2_100_000_000_000_001n, availableSats: 5n }
    const message = { userId: 'u-big', event } as unknown as BusTopics['user.event']
    nodeA.publish('user.event', message)
    await eventually('node B got the event', () => received.length === 1)
    expect(received[0]).toEqual({ userId: 'u-big', event })
    unsubscribe()
  })

  it('stops delivering after unsubscribe, on that node only', async () => {
    const onA: number[] = []
    const onB: number[] = []
    const stopA = nodeA.subscribe('chain.reorg', (m) => onA.push(m.ancestorHeight))
    const stopB = nodeB.subscribe('chain.reorg', (m) => onB.push(m.ancestorHeight))
    await Promise.all([nodeA.subscribed(), nodeB.subscribed()])
    stopA()
    await nodeA.subscribed()
    nodeB.publish('chain.reorg', { ancestorHeight: 9, removed: [], added: [] })
    await eventually('node B delivered locally', () => onB.length === 1)
    await sleep(DUPLICATE_WINDOW_MS)
    expect(onA).toEqual([])
    expect(onB).toEqual([9])
    stopB()
  })

  it('works for a topic it was never told about', async () => {
    // Topics are added to BusTopics by other features (e.g. 'market.updated'); the bus only
    // needs the name.
    const topic = 'test.new-topic' as Topic
    const got: unknown[] = []
    const unsubscribe = nodeB.subscribe(topic, (m: unknown) => got.push(m))
    await nodeB.subscribed()
    nodeA.publish(topic, { anything: [1, 2] } as never)
    await eventually('node B got the new topic', () => got.length === 1)
    expect(got[0]).toEqual({ anything: [1, 2] })
    unsubscribe()
  })
})
