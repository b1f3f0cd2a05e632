/**
 * What the gateway counts. The totals are always kept (the gateway's stats() returns them, for
 * tests and diagnostics); with a prom-client Registry the same counts are also exported, next
 * to gauges read from the live connections on each scrape. Messages in and out, counted for
 * every frame, are plain increments here and reach prom-client only when it is scraped.
 */
import { Counter, Gauge, type Registry } from 'prom-client'

export type SentKind = 'hello' | 'event' | 'reply' | 'error' | 'pong'
export type DropReason = 'rate_limited' | 'busy'
export type CloseReason = 'abuse' | 'too_slow' | 'pong_timeout' | 'idle' | 'session_ended' | 'shutdown'

export interface GatewayTotals {
  connectionsOpened: number
  messagesIn: number
  messagesOut: number
  /** Events replaced by a newer one before a slow client could be sent the older. */
  eventsCoalesced: number
  /** Client messages refused unread (rate limit, too many in flight). */
  messagesDropped: number
  /** Connections the server closed, whatever the reason. */
  connectionsClosedByServer: number
}

/** Read on each scrape: the state of the connections at that moment. */
export interface GatewayGauges {
  connections: number
  bufferedBytes: number
  queuedBytes: number
}

interface PromMetrics {
  coalesced: Counter
  dropped: Counter<'reason'>
  closed: Counter<'reason'>
}

export class GatewayMeter {
  readonly totals: GatewayTotals = {
    connectionsOpened: 0,
    messagesIn: 0,
    messagesOut: 0,
    eventsCoalesced: 0,
    messagesDropped: 0,
    connectionsClosedByServer: 0,
  }
  readonly sentByKind: Record<SentKind, number> = { hello: 0, event: 0, reply: 0, error: 0, pong: 0 }
  private readonly prom: PromMetrics | undefined

  constructor(registry: Registry | undefined, gauges: () => GatewayGauges) {
    if (registry) this.prom = registerMetrics(registry, gauges, this)
  }

  opened(): void {
    this.totals.connectionsOpened += 1
  }

  received(): void {
    this.totals.messagesIn += 1
  }

  sent(kind: SentKind): void {
    this.totals.messagesOut += 1
    this.sentByKind[kind] += 1
  }

  coalesced(): void {
    this.totals.eventsCoalesced += 1
    this.prom?.coalesced.inc()
  }

  dropped(reason: DropReason): void {
    this.totals.messagesDropped += 1
    this.prom?.dropped.inc({ reason })
  }

  closedByServer(reason: CloseReason): void {
    this.totals.connectionsClosedByServer += 1
    this.prom?.closed.inc({ reason })
  }
}

function registerMetrics(registry: Registry, gauges: () => GatewayGauges, meter: GatewayMeter): PromMetrics {
  const gauge = (name: string, help: string, read: (g: GatewayGauges) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(gauges()))
      },
    })
  gauge('ws_connections', 'Open WebSocket connections on this node.', (g) => g.connections)
  gauge('ws_buffered_bytes', 'Bytes written to WebSockets and not yet sent.', (g) => g.bufferedBytes)
  gauge('ws_queued_bytes', 'Bytes of latest events waiting for slow WebSocket clients.', (g) => g.queuedBytes)
  new Counter({
    name: 'ws_messages_received_total',
    help: 'WebSocket messages received from clients.',
    registers: [registry],
    collect() {
      this.reset()
      this.inc(meter.totals.messagesIn)
    },
  })
  new Counter({
    name: 'ws_messages_sent_total',
    help: 'WebSocket messages sent to clients, by message type.',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [type, count] of Object.entries(meter.sentByKind)) {
        if (count > 0) this.inc({ type }, count)
      }
    },
  })
  return {
    coalesced: new Counter({
      name: 'ws_events_coalesced_total',
      help: 'Events a slow client was not sent because a newer one replaced them.',
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'ws_messages_dropped_total',
      help: 'Client messages refused without being handled, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    closed: new Counter({
      name: 'ws_connections_closed_total',
      help: 'Connections closed by the server, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
  }
}
