/**
 * Which channels exist and who may read them. A channel is registered by exact name ('round')
 * or by a prefix pattern ('user:*', matching 'user:<one segment>'); the owning module supplies
 * the permission check and, when the channel carries state, the snapshot a new subscriber gets.
 */
import assert from 'node:assert/strict'
import type { WsUser } from '../../../contracts/ws.ts'

export interface ChannelSpec {
  /** Whether `user` (null when anonymous) may subscribe to the channel `name`. */
  authorize(user: WsUser | null, name: string): boolean
  /** The channel's current state for this subscriber, sent before any live event. */
  snapshot?(user: WsUser | null, name: string): Promise<unknown>
}

/** Readable by anyone, signed in or not. */
export function allowEveryone(): boolean {
  return true
}

/** Readable by admins only. */
export function allowAdmins(user: WsUser | null): boolean {
  return user?.role === 'admin'
}

/** For a 'prefix:<userId>' pattern: readable only by the user it names (admins included). */
export function allowOwner(user: WsUser | null, name: string): boolean {
  return user !== null && name.slice(name.lastIndexOf(':') + 1) === user.id
}

const PREFIX_WILDCARD = ':*'
const SEGMENT_SEPARATOR = ':'

export class ChannelRegistry {
  private readonly exact = new Map<string, ChannelSpec>()
  /** By prefix including its colon: 'user:' for the pattern 'user:*'. */
  private readonly prefixed = new Map<string, ChannelSpec>()

  register(pattern: string, spec: ChannelSpec): void {
    if (pattern.endsWith(PREFIX_WILDCARD)) {
      const prefix = pattern.slice(0, -1)
      assert(!this.prefixed.has(prefix), `channel pattern ${pattern} is registered twice`)
      this.prefixed.set(prefix, spec)
      return
    }
    assert(!pattern.includes('*'), `channel pattern ${pattern}: only a trailing ":*" is supported`)
    assert(!this.exact.has(pattern), `channel ${pattern} is registered twice`)
    this.exact.set(pattern, spec)
  }

  find(name: string): ChannelSpec | undefined {
    const exact = this.exact.get(name)
    if (exact !== undefined) return exact
    const lastSeparator = name.lastIndexOf(SEGMENT_SEPARATOR)
    if (lastSeparator === -1 || lastSeparator === name.length - 1) return undefined
    return this.prefixed.get(name.slice(0, lastSeparator + 1))
  }
}

/** The subscribers of one channel on this node, and the sequence number of its last event. */
export interface ChannelTopic<Subscriber> {
  readonly subscribers: Set<Subscriber>
  seq: number
}

/**
 * Subscribers by channel. A channel without subscribers has no entry, so publishing to it costs
 * one lookup and `user:<id>` channels of users who are not connected take no memory. Its `seq`
 * restarts when it is created again, which is why seq is only ordered within a subscription.
 */
export class SubscriberIndex<Subscriber> {
  private readonly topics = new Map<string, ChannelTopic<Subscriber>>()

  get(channel: string): ChannelTopic<Subscriber> | undefined {
    return this.topics.get(channel)
  }

  add(channel: string, subscriber: Subscriber): ChannelTopic<Subscriber> {
    let topic = this.topics.get(channel)
    if (topic === undefined) {
      topic = { subscribers: new Set(), seq: 0 }
      this.topics.set(channel, topic)
    }
    topic.subscribers.add(subscriber)
    return topic
  }

  remove(channel: string, subscriber: Subscriber): void {
    const topic = this.topics.get(channel)
    if (topic === undefined) return
    topic.subscribers.delete(subscriber)
    if (topic.subscribers.size === 0) this.topics.delete(channel)
  }
}
