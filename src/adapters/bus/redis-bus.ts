/**
 * The bus across a fleet (REDIS_URL): each topic is a Redis pub/sub channel, so a message
 * published on one node reaches the subscribers of every node, once each. Generic over BusTopics:
 * a new topic needs nothing here.
 *
 * Local first: the publishing node's own subscribers get the message at once and synchronously,
 * as with InProcessBus, and the copy Redis echoes back to this node is recognised by its node id
 * and skipped. So a node keeps serving its own clients while Redis is away.
 *
 * While Redis is unreachable, messages for other nodes are dropped and counted (metric
 * `bus_redis_dropped_total`, one warning per outage), never buffered or waited for: bus messages
 * are notifications, not the record (bus.ts), a backlog of "the round changed" is worth nothing
 * once delivered late, and publishers (billing among them) must never block on it. Subscriptions
 * come back by themselves when the subscriber connection reconnects.
 *
 * Wire format: JSON (redis/json.ts, bigint-safe) of `{ n: <node id>, m: <message> }` on channel
 * `<prefix>bus:<topic>`.
 */
import { randomUUID } from 'node:crypto'
import { Counter, type Registry } from 'prom-client'
import { type AppLogger, OutageNotice } from '../../logger.ts'
import { DEFAULT_REDIS_PREFIX, type RedisConnection } from '../redis/client.ts'
import { decodeJson, encodeJson } from '../redis/json.ts'
import type { Bus, BusTopics, Topic } from './bus.ts'

export interface RedisBusOptions {
  /** The command connection messages are published on. */
  publisher: RedisConnection
  /** A connection used for nothing but this bus's subscriptions. */
  subscriber: RedisConnection
  /** Channel prefix; every node of a deployment uses the same one. */
  prefix?: string
  logger?: AppLogger
  registry?: Registry
}

interface Envelope {
  /** The publishing node, so that it can skip its own echo. */
  n: string
  m: unknown
}

interface Subscription {
  handler: (message: never) => void
}

export class RedisBus implements Bus {
  /** This bus's id on the wire; unique per process start. */
  readonly nodeId = randomUUID()
  private readonly publisher: RedisConnection
  private readonly subscriber: RedisConnection
  private readonly channelPrefix: string
  private readonly log: AppLogger | undefined
  private readonly subscriptions = new Map<string, Set<Subscription>>()
  /** SUBSCRIBE commands not yet acknowledged; see subscribed(). */
  private readonly pending = new Set<Promise<unknown>>()
  private readonly droppedCounter: Counter | undefined
  private dropped_ = 0
  /** Messages dropped while Redis is down: one warning, then one notice with the count. */
  private readonly outage = new OutageNotice()
  private readonly onMessage = (channel: string, text: string) => this.receive(channel, text)

  constructor(options: RedisBusOptions) {
    this.publisher = options.publisher
    this.subscriber = options.subscriber
    this.channelPrefix = `${options.prefix ?? DEFAULT_REDIS_PREFIX}bus:`
    this.log = options.logger
    if (options.registry) {
      this.droppedCounter = new Counter({
        name: 'bus_redis_dropped_total',
        help: 'Bus messages not sent to other nodes because Redis was unreachable.',
        registers: [options.registry],
      })
    }
    this.subscriber.redis.on('message', this.onMessage)
  }

  /** Messages not sent to other nodes since start, because Redis was unreachable. */
  get dropped(): number {
    return this.dropped_
  }

  publish<T extends Topic>(topic: T, message: BusTopics[T]): void {
    // Encoded before local delivery, so other nodes get the message as published even if a
    // local subscriber changes the object it was handed.
    const payload = this.encode(topic, message)
    this.deliver(topic, message)
    if (payload === undefined) return
    if (!this.publisher.isUsable()) {
      this.drop(topic)
      return
    }
    this.publisher.redis.publish(this.channelPrefix + topic, payload).then(
      () => this.sent(),
      (error: unknown) => {
        this.publisher.commandFailed()
        this.drop(topic, error)
      },
    )
  }

  subscribe<T extends Topic>(topic: T, handler: (message: BusTopics[T]) => void): () => void {
    let subscriptions = this.subscriptions.get(topic)
    if (subscriptions === undefined) {
      subscriptions = new Set()
      this.subscriptions.set(topic, subscriptions)
      this.track(this.subscriber.redis.subscribe(this.channelPrefix + topic), 'subscribe', topic)
    }
    const subscription: Subscription = { handler }
    subscriptions.add(subscription)
    const current = subscriptions
    return () => {
      if (!current.delete(subscription) || current.size > 0) return
      if (this.subscriptions.get(topic) !== current) return
      this.subscriptions.delete(topic)
      this.track(this.subscriber.redis.unsubscribe(this.channelPrefix + topic), 'unsubscribe', topic)
    }
  }

  /** Resolves once Redis has acknowledged every (un)subscription made so far. */
  async subscribed(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }

  /** Stops delivering messages from Redis; the connections are closed by their owner. */
  close(): void {
    this.subscriber.redis.off('message', this.onMessage)
    this.subscriptions.clear()
  }

  private encode(topic: string, message: unknown): string | undefined {
    try {
      return encodeJson({ n: this.nodeId, m: message } satisfies Envelope)
    } catch (error) {
      // A message JSON cannot carry (a cycle) is a bug in the publisher; its own node still gets it.
      this.log?.error({ err: error, topic }, 'bus message cannot be encoded; not sent to other nodes')
      return undefined
    }
  }

  private track(command: Promise<unknown>, what: string, topic: string): void {
    const tracked = command.catch((error: unknown) => {
      this.log?.warn({ err: error, topic }, `bus ${what} failed`)
    })
    this.pending.add(tracked)
    void tracked.finally(() => this.pending.delete(tracked))
  }

  private receive(channel: string, text: string): void {
    if (!channel.startsWith(this.channelPrefix)) return
    const topic = channel.slice(this.channelPrefix.length)
    if (!this.subscriptions.has(topic)) return
    let envelope: Envelope
    try {
      envelope = decodeJson<Envelope>(text)
    } catch (error) {
      this.log?.warn({ err: error, topic }, 'undecodable bus message from Redis ignored')
      return
    }
    // This node's own messages were delivered when they were published.
    if (envelope.n === this.nodeId) return
    this.deliver(topic, envelope.m)
  }

  private deliver(topic: string, message: unknown): void {
    const subscriptions = this.subscriptions.get(topic)
    if (subscriptions === undefined) return
    // A copy: a handler may unsubscribe (itself or another) while the message is delivered.
    for (const { handler } of [...subscriptions]) {
      try {
        ;(handler as (m: unknown) => void)(message)
      } catch {
        // As in InProcessBus: subscribers log their own failures, and the others still get it.
      }
    }
  }

  private drop(topic: string, error?: unknown): void {
    this.dropped_ += 1
    this.droppedCounter?.inc()
    this.outage.down(() =>
      this.log?.warn(
        { topic, err: error },
        'redis unreachable: bus messages for other nodes are dropped until it is back',
      ),
    )
  }

  private sent(): void {
    this.outage.up((dropped) => this.log?.info({ dropped }, 'bus publishing to other nodes again'))
  }
}
