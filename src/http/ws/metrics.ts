/**
 * What the gateway counts. The totals are always kept (the gateway's stats() returns them, for
 * tests and diagnostics); with a prom-client Registry the same counts are also exported, next
 * to gauges read from the live connections on each scrape.
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
  messagesIn: Counter
  messagesOut: Counter<'type'>
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
  private readonly prom: PromMetrics | undefined

  constructor(registry: Registry | undefined, gauges: () => GatewayGauges) {
    if (registry) this.prom = registerMetrics(registry, gauges)
  }

  opened(): void {
    this.totals.connectionsOpened += 1
  }

  received(): void {
    this.totals.messagesIn += 1
    this.prom?.messagesIn.inc()
  }

  sent(kind: SentKind): void {
    this.totals.messagesOut += 1
    this.prom?.messagesOut.inc({ type: kind })
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

function registerMetrics(registry: Registry, gauges: () => GatewayGauges): PromMetrics {
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
  return {
    messagesIn: new Counter({
      name: 'ws_messages_received_total',
      help: 'WebSocket messages received from clients.',
      registers: [registry],
    }),
    messagesOut: new Counter({
      name: 'ws_messages_sent_total',
      help: 'WebSocket messages sent to clients, by message type.',
      labelNames: ['type'],
      registers: [registry],
    }),
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
