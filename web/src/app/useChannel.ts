/**
 * React's view of the shared WebSocket (ws.ts): the one client, a hook to listen to a channel
 * while a component is mounted, the connection's state, and the hook the shell runs to keep the
 * connection's identity in step with who is signed in.
 */
import { useEffect, useRef, useSyncExternalStore } from 'react'
import { authApi } from '../features/auth/authApi.ts'
import { api } from './api.ts'
import { useAppDispatch } from './hooks.ts'
import {
  browserSocketFactory,
  defaultWsUrl,
  type EventMeta,
  type SubscribeErrorListener,
  WS_CLOSE,
  WsClient,
  type WsState,
} from './ws.ts'

let shared: WsClient | undefined

/** The app's one WebSocket client, created on first use (it connects only when something listens or asks). */
export function getWsClient(): WsClient {
  if (shared === undefined) {
    const client = new WsClient({ url: defaultWsUrl, createSocket: browserSocketFactory })
    // Back online: no reason to sit out the rest of a backoff.
    window.addEventListener('online', () => client.retryNow())
    shared = client
  }
  return shared
}

/**
 * Listens to `channel` while mounted (null: not now). The latest `onEvent` is called, so it may
 * close over fresh props without resubscribing. Events carry the contract's shape; the server is
 * trusted for it as for REST answers.
 */
export function useChannel<T>(
  channel: string | null,
  onEvent: (data: T, meta: EventMeta) => void,
  onError?: SubscribeErrorListener,
): void {
  const handlers = useRef({ onEvent, onError })
  useEffect(() => {
    handlers.current = { onEvent, onError }
  })
  useEffect(() => {
    if (channel === null) return
    return getWsClient().subscribe(
      channel,
      (data, meta) => handlers.current.onEvent(data as T, meta),
      (error) => handlers.current.onError?.(error),
    )
  }, [channel])
}

/** Whether the connection is open, and as whom. */
export function useWsState(): WsState {
  const client = getWsClient()
  return useSyncExternalStore(client.onState, client.getState)
}

/**
 * Run once by the shell: tells the client who is signed in (so it reconnects with the new cookie
 * after a sign-in or sign-out), and asks the server again who is signed in when it closes the
 * connection because the session ended.
 */
export function useWsIdentity(): void {
  const dispatch = useAppDispatch()
  const { data: session, isLoading } = authApi.useMeQuery()
  const userId = session?.user.id ?? null
  useEffect(() => {
    if (!isLoading) getWsClient().identify(userId)
  }, [isLoading, userId])
  useEffect(
    () =>
      getWsClient().onClose((code) => {
        if (code === WS_CLOSE.SESSION_ENDED) dispatch(api.util.invalidateTags(['Session']))
      }),
    [dispatch],
  )
}
