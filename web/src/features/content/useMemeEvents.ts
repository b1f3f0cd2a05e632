/**
 * The admin's live view of the pipeline (SPEC 4 "Progress of every job is visible to admins
 * live", SPEC 8 "for admins the processing queue"): the WebSocket's `admin:content` channel,
 * whose events (each meme as it changes) are merged into the cached lists and details as they
 * arrive. Each (re)subscription starts with an empty snapshot, on which the lists are asked for
 * once, because changes made before it were never sent. While the WebSocket is down the lists
 * are polled instead.
 */
import { useChannel, useWsState } from '../../app/useChannel.ts'
import { WS_CHANNELS } from '../../app/ws.ts'
import { contentApi, memeViewReceived, useContentDispatch } from './contentApi.ts'
import { memeOfEvent } from './memeCache.ts'

/** How often the lists are asked for while the WebSocket is down. */
export const MEME_POLL_INTERVAL_MS = 5_000

export interface MemeFeed {
  /** True while events arrive as they happen. */
  live: boolean
  /** For the lists' queries: 0 while live, else the fallback polling interval. */
  pollingIntervalMs: number
}

export function useMemeEvents(enabled: boolean): MemeFeed {
  const dispatch = useContentDispatch()
  const { status } = useWsState()
  useChannel<unknown>(enabled ? WS_CHANNELS.adminContent : null, (data, meta) => {
    if (meta.snapshot) {
      dispatch(contentApi.util.invalidateTags(['AdminMemes', 'RoundQueue']))
      return
    }
    const meme = memeOfEvent(data)
    if (meme) dispatch(memeViewReceived(meme))
  })
  const live = enabled && status === 'open'
  return { live, pollingIntervalMs: live ? 0 : MEME_POLL_INTERVAL_MS }
}
