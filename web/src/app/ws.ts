/**
 * The app's one WebSocket (contracts/ws.ts): opened on first use, shared by every feature, and
 * kept open through network trouble. What it does for its users:
 *
 *  - `subscribe(channel, onEvent)` counts listeners per channel: the first one subscribes on the
 *    server, the last one to leave unsubscribes. After a reconnect every channel still listened
 *    to is subscribed again, and its snapshot (`snapshot: true`) brings the state back.
 *  - `request(type, body)` sends `{ id, type, ...body }` and resolves with the data of the reply
 *    carrying that id, or rejects with `{ code, message }` from the error carrying it. A request
 *    already sent when the connection drops is rejected with WS_DISCONNECTED (the server may or
 *    may not have acted on it); one made while disconnected waits for the next connection, up to
 *    its timeout.
 *  - Reconnecting backs off exponentially with jitter, so clients dropped together by a restart
 *    do not return in one wave; a connection that said hello resets the backoff.
 *  - Browsers authenticate by the session cookie, which is read only when the socket opens: when
 *    the signed-in user changes, `identify` reconnects so the server sees the new session.
 *  - A ping now and then notices a connection that died without a close (a laptop lid shut).
 *
 * The socket itself is behind `SocketFactory`, so tests drive a fake one.
 */

/** Copied from contracts/ws.ts (a unit test checks) so the bundle stays free of the schema library. */
export const WS_PATH = '/api/v1/ws'
export const WS_CHANNELS = { round: 'round', blocks: 'blocks', adminContent: 'admin:content' } as const
export function userChannel(userId: string): string {
  return `user:${userId}`
}
export const WS_CLOSE = {
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  TRY_AGAIN_LATER: 1013,
  SESSION_ENDED: 4001,
  IDLE: 4002,
} as const

/** Client-side codes, in the same form as the server's error codes. */
export const WS_CLIENT_ERRORS = {
  WS_DISCONNECTED: 'The connection to the server dropped before it answered.',
  WS_TIMEOUT: 'The server did not answer in time.',
} as const

/** The first reconnect waits between half of this and all of it; each failure doubles it. */
export const WS_RECONNECT_BASE_MS = 500
export const WS_RECONNECT_MAX_MS = 30_000
/** After the server closed the connection for flooding, it is not asked again this soon. */
export const WS_POLICY_RECONNECT_MS = 60_000
export const WS_REQUEST_TIMEOUT_MS = 15_000
export const WS_HEARTBEAT_INTERVAL_MS = 25_000
export const WS_HEARTBEAT_TIMEOUT_MS = 10_000
/** Our own close code for a socket we give up on (identity change, missed heartbeat). */
const CLOSE_REPLACED = 4000

export interface WsUser {
  id: string
  role: string
}

export interface WsRequestError {
  code: string
  message: string
}

export function isWsRequestError(value: unknown): value is WsRequestError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  )
}

export interface EventMeta {
  seq: number
  snapshot: boolean
}

export type EventListener = (data: unknown, meta: EventMeta) => void
export type SubscribeErrorListener = (error: WsRequestError) => void

export type WsStatus = 'idle' | 'connecting' | 'open' | 'reconnecting'

export interface WsState {
  status: WsStatus
  /** Who the server says this connection is; null when anonymous or not connected. */
  user: WsUser | null
  /** Server clock minus this device's clock, from the last hello. */
  clockSkewMs: number
}

export interface SocketHandlers {
  open(): void
  message(text: string): void
  close(code: number, reason: string): void
}

export interface WsSocket {
  send(text: string): void
  close(code?: number, reason?: string): void
}

export type SocketFactory = (url: string, handlers: SocketHandlers) => WsSocket

export interface WsClientOptions {
  url: () => string
  createSocket: SocketFactory
  /** For jitter; tests pass a fixed one. */
  random?: () => number
  now?: () => number
  requestTimeoutMs?: number
  heartbeatIntervalMs?: number
}

/**
 * Exponential backoff with "equal jitter": half the capped delay for certain, the other half at
 * random. `attempt` counts failures since the last good connection, from 0.
 */
export function reconnectDelayMs(
  attempt: number,
  random: () => number,
  baseMs = WS_RECONNECT_BASE_MS,
  maxMs = WS_RECONNECT_MAX_MS,
): number {
  const capped = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(capped / 2 + (random() * capped) / 2)
}

/** `ws://host/api/v1/ws` on plain HTTP, `wss://` on HTTPS: the page's own origin. */
export function defaultWsUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${location.host}${WS_PATH}`
}

export const browserSocketFactory: SocketFactory = (url, handlers) => {
  const socket = new WebSocket(url)
  socket.onopen = () => handlers.open()
  socket.onmessage = (event) => {
    if (typeof event.data === 'string') handlers.message(event.data)
  }
  // An error is always followed by close, which is where reconnecting starts.
  socket.onclose = (event) => handlers.close(event.code, event.reason)
  return {
    send: (text) => socket.send(text),
    close: (code, reason) => socket.close(code, reason),
  }
}

interface PendingRequest {
  resolve(data: unknown): void
  reject(error: WsRequestError): void
  text: string
  sent: boolean
  timer: ReturnType<typeof setTimeout>
}

interface Channel {
  listeners: Set<EventListener>
  errorListeners: Set<SubscribeErrorListener>
}

type ServerMessage =
  | { type: 'hello'; user: WsUser | null; serverTime: string }
  | { type: 'event'; channel: string; data: unknown; seq: number; snapshot?: true }
  | { type: 'reply'; id: number; data: unknown }
  | { type: 'error'; id?: number; code: string; message: string }
  | { type: 'pong'; id?: number; serverTime: string }

function parseServerMessage(text: string): ServerMessage | null {
  try {
    const value: unknown = JSON.parse(text)
    if (
      typeof value !== 'object' ||
      value === null ||
      typeof (value as { type?: unknown }).type !== 'string'
    ) {
      return null
    }
    return value as ServerMessage
  } catch {
    return null
  }
}

export class WsClient {
  private socket: WsSocket | null = null
  private state: WsState = { status: 'idle', user: null, clockSkewMs: 0 }
  private readonly stateListeners = new Set<() => void>()
  private readonly closeListeners = new Set<(code: number) => void>()
  private readonly channels = new Map<string, Channel>()
  private readonly pending = new Map<number, PendingRequest>()
  private nextId = 1
  private attempt = 0
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined
  /** undefined until the app knows who is signed in. */
  private expectedUser: string | null | undefined = undefined
  private identityVersion = 0
  private socketIdentityVersion = 0
  private readonly random: () => number
  private readonly now: () => number
  private readonly requestTimeoutMs: number
  private readonly heartbeatIntervalMs: number

  constructor(private readonly options: WsClientOptions) {
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
    this.requestTimeoutMs = options.requestTimeoutMs ?? WS_REQUEST_TIMEOUT_MS
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? WS_HEARTBEAT_INTERVAL_MS
  }

  // --- State, for React's useSyncExternalStore ---------------------------------------------------

  getState = (): WsState => this.state

  onState = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener)
    return () => {
      this.stateListeners.delete(listener)
    }
  }

  /** Called with the close code whenever a connection ends, e.g. to refetch the session on 4001. */
  onClose(listener: (code: number) => void): () => void {
    this.closeListeners.add(listener)
    return () => {
      this.closeListeners.delete(listener)
    }
  }

  /** Channels with at least one listener; for tests and diagnostics. */
  get channelNames(): string[] {
    return [...this.channels.keys()]
  }

  // --- Subscriptions -----------------------------------------------------------------------------

  subscribe(channel: string, onEvent: EventListener, onError?: SubscribeErrorListener): () => void {
    let entry = this.channels.get(channel)
    const first = entry === undefined
    if (entry === undefined) {
      entry = { listeners: new Set(), errorListeners: new Set() }
      this.channels.set(channel, entry)
    }
    // Each call gets its own registration, so one component subscribing twice counts twice.
    const listener: EventListener = (data, meta) => onEvent(data, meta)
    const errorListener: SubscribeErrorListener | undefined = onError && ((error) => onError(error))
    entry.listeners.add(listener)
    if (errorListener) entry.errorListeners.add(errorListener)
    if (first) {
      if (this.state.status === 'open') this.sendSubscribe(channel)
      else this.ensureConnected()
    }
    let active = true
    return () => {
      if (!active) return
      active = false
      const held = this.channels.get(channel)
      if (held !== entry) return
      entry.listeners.delete(listener)
      if (errorListener) entry.errorListeners.delete(errorListener)
      if (entry.listeners.size > 0) return
      this.channels.delete(channel)
      if (this.state.status === 'open') {
        this.request('unsubscribe', { channel }).catch(() => {
          // Gone either way: a dropped connection has no subscriptions left.
        })
      }
    }
  }

  private sendSubscribe(channel: string): void {
    this.request('subscribe', { channel }).catch((error: WsRequestError) => {
      // A drop is not the channel's fault: the next hello subscribes again.
      if (error.code === 'WS_DISCONNECTED' || error.code === 'WS_TIMEOUT') return
      const entry = this.channels.get(channel)
      if (!entry) return
      for (const listener of entry.errorListeners) safely(() => listener(error))
    })
  }

  // --- Requests ----------------------------------------------------------------------------------

  request<T = unknown>(type: string, body: Record<string, unknown> = {}, timeoutMs?: number): Promise<T> {
    const id = this.nextId++
    const text = JSON.stringify({ ...body, id, type })
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return
        reject({ code: 'WS_TIMEOUT', message: WS_CLIENT_ERRORS.WS_TIMEOUT })
      }, timeoutMs ?? this.requestTimeoutMs)
      const pending: PendingRequest = {
        resolve: (data) => resolve(data as T),
        reject,
        text,
        sent: false,
        timer,
      }
      this.pending.set(id, pending)
      if (this.state.status === 'open' && this.socket) {
        this.socket.send(text)
        pending.sent = true
      } else {
        this.ensureConnected()
      }
    })
  }

  private settle(id: number, outcome: { data: unknown } | { error: WsRequestError }): void {
    const pending = this.pending.get(id)
    if (!pending) return
    this.pending.delete(id)
    clearTimeout(pending.timer)
    if ('data' in outcome) pending.resolve(outcome.data)
    else pending.reject(outcome.error)
  }

  // --- Who is signed in --------------------------------------------------------------------------

  /**
   * The user the app believes is signed in (null: nobody). When the open connection belongs to
   * someone else, it is replaced so the server reads the current session cookie.
   */
  identify(userId: string | null): void {
    if (this.expectedUser === userId) return
    this.expectedUser = userId
    this.identityVersion += 1
    if (this.state.status === 'open' && (this.state.user?.id ?? null) !== userId) this.replaceSocket()
    // Still connecting: the hello is checked against the new identity when it arrives.
  }

  /** Tries at once instead of waiting out the backoff, e.g. when the browser comes back online. */
  retryNow(): void {
    if (this.reconnectTimer === undefined) return
    clearTimeout(this.reconnectTimer)
    this.reconnectTimer = undefined
    this.open()
  }

  /** Closes for good (tests, page teardown); pending requests are rejected. */
  dispose(): void {
    clearTimeout(this.reconnectTimer)
    this.reconnectTimer = undefined
    this.channels.clear()
    for (const id of [...this.pending.keys()]) {
      this.settle(id, { error: { code: 'WS_DISCONNECTED', message: WS_CLIENT_ERRORS.WS_DISCONNECTED } })
    }
    this.dropSocket(1000, 'done')
    this.setState({ status: 'idle', user: null })
  }

  // --- Connection --------------------------------------------------------------------------------

  /** Something wants the connection: subscriptions, or requests waiting to be sent. */
  private get hasDemand(): boolean {
    return this.channels.size > 0 || [...this.pending.values()].some((pending) => !pending.sent)
  }

  private ensureConnected(): void {
    if (this.socket || this.reconnectTimer !== undefined) return
    this.open()
  }

  private open(): void {
    this.setState({ status: this.attempt === 0 ? 'connecting' : 'reconnecting', user: null })
    this.socketIdentityVersion = this.identityVersion
    let socket: WsSocket | null = null
    const current = () => socket !== null && socket === this.socket
    socket = this.options.createSocket(this.options.url(), {
      open: () => {
        // Nothing to do until hello: only then is the connection known to be accepted.
      },
      message: (text) => {
        if (current()) this.receive(text)
      },
      close: (code) => {
        if (current()) this.closed(code)
      },
    })
    this.socket = socket
  }

  private receive(text: string): void {
    const message = parseServerMessage(text)
    if (!message) return
    switch (message.type) {
      case 'hello':
        this.hello(message.user, message.serverTime)
        return
      case 'event': {
        const entry = this.channels.get(message.channel)
        if (!entry) return
        const meta: EventMeta = { seq: message.seq, snapshot: message.snapshot === true }
        for (const listener of [...entry.listeners]) safely(() => listener(message.data, meta))
        return
      }
      case 'reply':
        this.settle(message.id, { data: message.data })
        return
      case 'pong':
        if (message.id !== undefined) this.settle(message.id, { data: null })
        return
      case 'error':
        if (message.id !== undefined) {
          this.settle(message.id, { error: { code: message.code, message: message.message } })
        }
        return
    }
  }

  private hello(user: WsUser | null, serverTime: string): void {
    const serverMs = Date.parse(serverTime)
    const identityChanged = this.socketIdentityVersion !== this.identityVersion
    if (identityChanged && this.expectedUser !== undefined && (user?.id ?? null) !== this.expectedUser) {
      // The socket opened with the cookie of before; this hello is already stale.
      this.replaceSocket()
      return
    }
    this.attempt = 0
    this.setState({
      status: 'open',
      user,
      clockSkewMs: Number.isNaN(serverMs) ? 0 : serverMs - this.now(),
    })
    for (const channel of this.channels.keys()) this.sendSubscribe(channel)
    for (const pending of this.pending.values()) {
      if (pending.sent || !this.socket) continue
      this.socket.send(pending.text)
      pending.sent = true
    }
    this.startHeartbeat()
  }

  private closed(code: number): void {
    this.socket = null
    this.stopHeartbeat()
    this.rejectSent()
    for (const listener of this.closeListeners) safely(() => listener(code))
    if (!this.hasDemand) {
      this.attempt = 0
      this.setState({ status: 'idle', user: null })
      return
    }
    this.scheduleReconnect(code === WS_CLOSE.POLICY_VIOLATION ? WS_POLICY_RECONNECT_MS : 0)
  }

  private scheduleReconnect(atLeastMs: number): void {
    const delayMs = Math.max(atLeastMs, reconnectDelayMs(this.attempt, this.random))
    this.attempt += 1
    this.setState({ status: 'reconnecting', user: null })
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined
      this.open()
    }, delayMs)
  }

  /** Gives up on the current socket and opens a new one at once. */
  private replaceSocket(): void {
    this.dropSocket(CLOSE_REPLACED, 'replaced')
    for (const listener of this.closeListeners) safely(() => listener(CLOSE_REPLACED))
    this.attempt = 0
    if (this.hasDemand) this.open()
    else this.setState({ status: 'idle', user: null })
  }

  private dropSocket(code: number, reason: string): void {
    const socket = this.socket
    this.socket = null
    this.stopHeartbeat()
    this.rejectSent()
    socket?.close(code, reason)
  }

  /** Requests on a socket that is gone: their answer, if any, went with it. */
  private rejectSent(): void {
    for (const [id, pending] of [...this.pending]) {
      if (!pending.sent) continue
      this.settle(id, { error: { code: 'WS_DISCONNECTED', message: WS_CLIENT_ERRORS.WS_DISCONNECTED } })
    }
  }

  private startHeartbeat(): void {
    this.stopHeartbeat()
    const socket = this.socket
    this.heartbeatTimer = setInterval(() => {
      this.request('ping', {}, WS_HEARTBEAT_TIMEOUT_MS).catch((error: WsRequestError) => {
        if (error.code === 'WS_TIMEOUT' && this.socket === socket) this.replaceSocket()
      })
    }, this.heartbeatIntervalMs)
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeatTimer)
    this.heartbeatTimer = undefined
  }

  private setState(next: Partial<WsState>): void {
    const merged = { ...this.state, ...next }
    if (
      merged.status === this.state.status &&
      merged.user === this.state.user &&
      merged.clockSkewMs === this.state.clockSkewMs
    ) {
      return
    }
    this.state = merged
    for (const listener of this.stateListeners) safely(listener)
  }
}

/** One listener's bug must not stop the others from hearing the event. */
function safely(call: () => void): void {
  try {
    call()
  } catch (error) {
    console.error(error)
  }
}
