/**
 * The admin's live view of the pipeline (SPEC 4 "Progress of every job is visible to admins
 * live"): one EventSource on GET /api/v1/admin/memes/events, whose `meme` events are merged into
 * the cached lists and details as they arrive. While the stream is down the lists are polled
 * instead, and when it comes back they are asked for once, because changes made in between were
 * never sent.
 */
import { useEffect, useState } from 'react'
import { contentApi, memeViewReceived, useContentDispatch } from './contentApi.ts'
import { parseMemeEvent } from './memeCache.ts'

export const MEME_EVENTS_URL = '/api/v1/admin/memes/events'
/** The event name of contracts/content.ts MEME_EVENT (imported there with the schemas, which the app does not need). */
const MEME_EVENT = 'meme'
/** How often the lists are asked for while the stream is down. */
export const MEME_POLL_INTERVAL_MS = 5_000
/**
 * A stream the browser has given up on (the server refused it, rather than the network dropping)
 * is opened again after this long; polling keeps the lists current meanwhile.
 */
const REOPEN_AFTER_MS = 30_000

export interface MemeFeed {
  /** True while events arrive as they happen. */
  live: boolean
  /** For the lists' queries: 0 while live, else the fallback polling interval. */
  pollingIntervalMs: number
}

export function useMemeEvents(enabled: boolean): MemeFeed {
  const dispatch = useContentDispatch()
  const [live, setLive] = useState(false)

  useEffect(() => {
    if (!enabled) return
    let source: EventSource | undefined
    let reopenTimer: ReturnType<typeof setTimeout> | undefined
    const open = () => {
      source = new EventSource(MEME_EVENTS_URL)
      source.addEventListener('open', () => {
        setLive(true)
        // Whatever changed before this moment (while the lists loaded, or the stream was down)
        // was never sent, so the lists are asked for once more.
        dispatch(contentApi.util.invalidateTags(['AdminMemes', 'RoundQueue']))
      })
      source.addEventListener(MEME_EVENT, (event) => {
        const meme = parseMemeEvent(event.data)
        if (meme) dispatch(memeViewReceived(meme))
      })
      source.addEventListener('error', () => {
        setLive(false)
        // CONNECTING: the browser reconnects by itself. CLOSED: it has given up for good.
        if (source?.readyState === EventSource.CLOSED) reopenTimer = setTimeout(open, REOPEN_AFTER_MS)
      })
    }
    open()
    return () => {
      clearTimeout(reopenTimer)
      source?.close()
      setLive(false)
    }
  }, [enabled, dispatch])

  return { live, pollingIntervalMs: live ? 0 : MEME_POLL_INTERVAL_MS }
}
