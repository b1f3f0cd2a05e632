/**
 * Pub/sub between the parts of the platform: block sync announces blocks and reorganisations,
 * and later the ledger, rounds and the WebSocket gateway announce theirs. In one process the bus
 * is an in-process emitter; a fleet swaps in Redis behind the same interface.
 *
 * Messages are notifications, not the record: a subscriber that must not miss anything
 * reconciles with the database (for blocks, the blocks table) rather than trusting delivery.
 */
import { EventEmitter } from 'node:events'
import type { MarketUpdate } from '../../../contracts/market.ts'
import type { UserEvent } from '../../../contracts/rounds.ts'
import type { BlockHeader } from '../chain/source.ts'

export interface BusTopics {
  'chain.block': BlockHeader
  'chain.reorg': { ancestorHeight: number; removed: BlockHeader[]; added: BlockHeader[] }
  /** A meme changed state, or its job made progress (0..1; null when no job runs on it). */
  'content.meme': { memeId: string; progress: number | null }
  /** The round in progress changed (views charged, a block, a settlement): its view is stale. */
  'round.updated': { height: number | null }
  /** An event for one user's private channel (contracts/rounds.ts UserEvent). */
  'user.event': { userId: string; event: UserEvent }
  /** A meme was listed, its listing cancelled, it was sold, or an offer on it changed. */
  'market.updated': MarketUpdate
}

export type Topic = keyof BusTopics

export interface Bus {
  publish<T extends Topic>(topic: T, message: BusTopics[T]): void
  /** Returns the function that ends the subscription. */
  subscribe<T extends Topic>(topic: T, handler: (message: BusTopics[T]) => void): () => void
}

export class InProcessBus implements Bus {
  private readonly emitter = new EventEmitter()

  constructor() {
    // Every WebSocket connection may subscribe; the default warning at 10 listeners is noise here.
    this.emitter.setMaxListeners(0)
  }

  publish<T extends Topic>(topic: T, message: BusTopics[T]): void {
    // A throwing subscriber must not stop delivery to the others or reach the publisher.
    for (const listener of this.emitter.listeners(topic)) {
      try {
        ;(listener as (m: BusTopics[T]) => void)(message)
      } catch {
        // Subscribers log their own failures; the bus has nothing useful to add.
      }
    }
  }

  subscribe<T extends Topic>(topic: T, handler: (message: BusTopics[T]) => void): () => void {
    this.emitter.on(topic, handler)
    return () => this.emitter.off(topic, handler)
  }
}
