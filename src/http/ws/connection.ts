/**
 * One client connection: who it is, what it is subscribed to, and what it may cost the server.
 *
 * Sending, and why a slow client cannot grow the server's memory (SPEC 8: "slow clients get the
 * latest state, not an ever-growing backlog"):
 *
 *  - Everything written to the socket waits in `socket.bufferedAmount` until the kernel takes
 *    it. While that stays under `highWaterBytes`, events are written at once.
 *  - Above it, events are not written but kept in `pending`, one per (channel, key): a newer
 *    event replaces the one waiting, so a slow client receives the latest state and skips the
 *    states in between. The bytes held are bounded by `maxPendingEvents` frames, and the frames
 *    themselves are shared by every connection the event went to.
 *  - ws has no 'drain' event on a server-side WebSocket, so the gateway polls a backlogged
 *    connection's bufferedAmount (`tend`) and writes pending events once it falls under the mark.
 *  - Hello, replies, errors, pongs and snapshots are never dropped (a client waits for its
 *    reply, and a snapshot is the base that later events update), but they count towards the
 *    buffer. One that stays above `hardCapBytes` for `slowClientTimeoutMs`, or
 *    that needs more than `maxPendingEvents` slots, is closed with 1013: reconnecting and
 *    resubscribing brings it the current state through the snapshots.
 *
 * Frames that the kernel has accepted are out of reach: on loopback the socket buffers take a
 * few megabytes before bufferedAmount grows at all, so "latest only" starts after that.
 */
import { randomUUID } from 'node:crypto'
import { WebSocket } from 'ws'
import { type ServerMessage, WS_CLOSE, type WsAnswerCode, type WsUser } from '../../../contracts/ws.ts'
import type { CloseReason, GatewayMeter } from './metrics.ts'

export interface ConnectionLimits {
  /** Above this many buffered bytes, events wait in `pending` instead of being written. */
  highWaterBytes: number
  /** Buffered bytes that, kept up for `slowClientTimeoutMs`, get the connection closed. */
  hardCapBytes: number
  slowClientTimeoutMs: number
  /** Distinct (channel, key) events a connection may have waiting, held ones included. */
  maxPendingEvents: number
}

export interface ConnectionEvents {
  meter: GatewayMeter
  /** The connection has a backlog: tend it until it is gone. */
  backlogged(connection: Connection): void
  /** The server is closing the connection; for logs and metrics. */
  closing(connection: Connection, reason: CloseReason): void
}

/** The session behind a signed-in connection, re-checked now and then (logout, expiry, role). */
export interface ConnectionSession {
  /** Kept only to re-check the session; never logged, never sent. */
  readonly token: string
  expiresAtMs: number
  recheckAtMs: number
  rechecking: boolean
}

/** What a message handler knows about the connection it answers. */
export interface WsContext {
  readonly connectionId: string
  /** Null for an anonymous connection. */
  readonly user: WsUser | null
  /** Runs once when the connection closes, e.g. to stop a watch session it started. */
  onClose(callback: () => void): void
}

export interface Subscription {
  /** False while the channel's snapshot loads; events that arrive meanwhile wait in `held`. */
  ready: boolean
  /** Latest event per key, sent right after the snapshot. */
  readonly held: Map<string, Buffer>
}

interface PendingEvent {
  channel: string
  frame: Buffer
}

/** Keys of `pending`: channel and event key, joined by a character neither can contain. */
function slotOf(channel: string, key: string): string {
  return `${channel}\u0000${key}`
}

export class Connection {
  readonly id = randomUUID()
  readonly subscriptions = new Map<string, Subscription>()
  readonly context: WsContext
  /** Handler calls not yet answered. */
  inFlight = 0
  /** When the client last showed signs of life: a message or a pong. */
  lastSeenMs: number
  private idleSinceMs: number
  private readonly pending = new Map<string, PendingEvent>()
  private queuedEvents = 0
  private queuedBytes_ = 0
  private overCapSinceMs: number | undefined
  private closeCallbacks: Array<() => void> = []
  private hasEnded = false

  constructor(
    readonly socket: WebSocket,
    readonly user: WsUser | null,
    readonly session: ConnectionSession | undefined,
    private readonly limits: ConnectionLimits,
    private readonly events: ConnectionEvents,
    nowMs: number,
  ) {
    this.lastSeenMs = nowMs
    this.idleSinceMs = nowMs
    this.context = {
      connectionId: this.id,
      user,
      onClose: (callback) => {
        // A handler may still be running when the socket closes; its cleanup must run all the same.
        if (this.hasEnded) callback()
        else this.closeCallbacks.push(callback)
      },
    }
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN
  }

  /** Bytes of events waiting for this client, held ones included. */
  get queuedBytes(): number {
    return this.queuedBytes_
  }

  /** Sends a message that is never dropped or replaced: hello, reply, error, pong. */
  send(message: ServerMessage): void {
    if (this.isOpen) this.write(JSON.stringify(message), message.type)
  }

  sendError(id: number | undefined, code: WsAnswerCode, message: string): void {
    this.send(id === undefined ? { type: 'error', code, message } : { type: 'error', id, code, message })
  }

  subscribe(channel: string, ready: boolean): Subscription {
    const subscription: Subscription = { ready, held: new Map() }
    this.subscriptions.set(channel, subscription)
    return subscription
  }

  /** Returns whether the connection was subscribed. */
  unsubscribe(channel: string, nowMs: number): boolean {
    const subscription = this.subscriptions.get(channel)
    if (subscription === undefined) return false
    this.subscriptions.delete(channel)
    for (const frame of subscription.held.values()) this.unqueue(frame)
    for (const [slot, event] of this.pending) {
      if (event.channel === channel) {
        this.pending.delete(slot)
        this.unqueue(event.frame)
      }
    }
    if (this.subscriptions.size === 0) this.idleSinceMs = nowMs
    return true
  }

  /** An event published on a channel this connection subscribes to. */
  deliver(channel: string, key: string, frame: Buffer): void {
    const subscription = this.subscriptions.get(channel)
    if (subscription === undefined || !this.isOpen) return
    if (!subscription.ready) {
      this.hold(subscription.held, key, frame)
      return
    }
    const slot = slotOf(channel, key)
    // Nothing waiting and room in the buffer: straight out. Otherwise behind what waits, in order.
    if (this.pending.size === 0 && this.socket.bufferedAmount < this.limits.highWaterBytes) {
      this.write(frame, 'event')
      return
    }
    const previous = this.pending.get(slot)
    if (previous !== undefined) {
      // Deleted then set, so the entry moves to the end: pending stays in order of last update.
      this.pending.delete(slot)
      this.unqueue(previous.frame)
      this.events.meter.coalesced()
    } else if (!this.hasRoomForEvent()) {
      return
    }
    this.pending.set(slot, { channel, frame })
    this.enqueue(frame)
    this.events.backlogged(this)
  }

  /** Sends a subscription's snapshot (ahead of any backlog), then the events held meanwhile. */
  completeSnapshot(channel: string, subscription: Subscription, frame: Buffer): void {
    if (!this.isOpen) return
    this.write(frame, 'event')
    subscription.ready = true
    const held = [...subscription.held]
    subscription.held.clear()
    for (const [key, heldFrame] of held) {
      this.unqueue(heldFrame)
      this.deliver(channel, key, heldFrame)
    }
  }

  /**
   * Called by the gateway's poll while the connection is backlogged: writes what fits and
   * enforces the hard cap. Returns whether the connection still needs tending.
   */
  tend(nowMs: number): boolean {
    if (!this.isOpen) return false
    for (const [slot, event] of this.pending) {
      if (this.socket.bufferedAmount >= this.limits.highWaterBytes) break
      this.pending.delete(slot)
      this.unqueue(event.frame)
      this.write(event.frame, 'event')
    }
    const bufferedBytes = this.socket.bufferedAmount
    if (bufferedBytes <= this.limits.hardCapBytes) {
      this.overCapSinceMs = undefined
    } else {
      this.overCapSinceMs ??= nowMs
      if (nowMs - this.overCapSinceMs >= this.limits.slowClientTimeoutMs) {
        this.close(WS_CLOSE.TRY_AGAIN_LATER, 'too slow', 'too_slow')
        return false
      }
    }
    return this.pending.size > 0 || bufferedBytes > this.limits.highWaterBytes
  }

  /**
   * The heartbeat: drops a client that answered no ping for `pongTimeoutMs`, ends a connection
   * whose session expired or that sat anonymous and unsubscribed for `idleTimeoutMs`, and pings
   * one not heard from for `pingAfterMs`.
   */
  checkLiveness(nowMs: number, pingAfterMs: number, pongTimeoutMs: number, idleTimeoutMs: number): void {
    if (!this.isOpen) return
    if (nowMs - this.lastSeenMs > pongTimeoutMs) {
      // No close handshake: a client that answers no ping would not answer a close frame either.
      this.events.closing(this, 'pong_timeout')
      this.socket.terminate()
    } else if (this.session !== undefined && nowMs >= this.session.expiresAtMs) {
      this.close(WS_CLOSE.SESSION_ENDED, 'session ended', 'session_ended')
    } else if (
      this.user === null &&
      this.subscriptions.size === 0 &&
      nowMs - this.idleSinceMs >= idleTimeoutMs
    ) {
      this.close(WS_CLOSE.IDLE, 'idle', 'idle')
    } else if (nowMs - this.lastSeenMs >= pingAfterMs) {
      // A client heard from within half a heartbeat is alive: only the quiet ones are pinged, so
      // thousands of watching viewers (a confirmation a second each) cost no pings at all. Half,
      // so that a connection heard from just before one heartbeat is pinged at the next, well
      // before the pong timeout, however late the timer fires.
      this.socket.ping()
    }
  }

  close(code: number, reason: string, why: CloseReason): void {
    if (!this.isOpen) return
    this.events.closing(this, why)
    this.dropQueued()
    this.socket.close(code, reason)
  }

  /** The socket has closed: forgets the subscriptions and runs the handlers' close callbacks. */
  ended(onError: (error: unknown) => void): void {
    this.hasEnded = true
    this.subscriptions.clear()
    this.dropQueued()
    const callbacks = this.closeCallbacks
    this.closeCallbacks = []
    for (const callback of callbacks) {
      try {
        callback()
      } catch (error) {
        onError(error)
      }
    }
  }

  private hold(held: Map<string, Buffer>, key: string, frame: Buffer): void {
    const previous = held.get(key)
    if (previous !== undefined) {
      this.unqueue(previous)
      this.events.meter.coalesced()
    } else if (!this.hasRoomForEvent()) {
      return
    }
    held.set(key, frame)
    this.enqueue(frame)
  }

  /** False, and the connection closed, when it already holds `maxPendingEvents` events. */
  private hasRoomForEvent(): boolean {
    if (this.queuedEvents < this.limits.maxPendingEvents) return true
    this.close(WS_CLOSE.TRY_AGAIN_LATER, 'too slow', 'too_slow')
    return false
  }

  private enqueue(frame: Buffer): void {
    this.queuedEvents += 1
    this.queuedBytes_ += frame.length
  }

  private unqueue(frame: Buffer): void {
    this.queuedEvents -= 1
    this.queuedBytes_ -= frame.length
  }

  private dropQueued(): void {
    this.pending.clear()
    for (const subscription of this.subscriptions.values()) subscription.held.clear()
    this.queuedEvents = 0
    this.queuedBytes_ = 0
  }

  private write(data: Buffer | string, kind: ServerMessage['type']): void {
    // Buffers are event frames serialised once for all subscribers; they are text all the same.
    this.socket.send(data, { binary: false })
    this.events.meter.sent(kind)
    if (this.socket.bufferedAmount > this.limits.highWaterBytes) this.events.backlogged(this)
  }
}
