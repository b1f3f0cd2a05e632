/**
 * The `admin:content` WebSocket channel (SPEC 8 "for admins the processing queue"): each change
 * or progress step of a meme, as the admin's view of it (contracts/content.ts AdminMemeView),
 * in the order they happened. Fed from the bus topic content.meme, so the admins connected to
 * any node of a fleet hear about the transformations of every worker.
 *
 * The snapshot carries nothing (null): it tells an admin page that has just (re)subscribed to
 * read its lists once, since whatever changed before was not sent to it. Events are keyed by
 * meme, so a slow admin gets each meme's latest view. A view is read from the database only
 * while some admin on this node listens.
 */
import { WS_CHANNELS } from '../../../contracts/ws.ts'
import type { Bus } from '../../adapters/bus/bus.ts'
import type { AdminMemeViews } from '../../http/routes/content.ts'
import { allowAdmins, type Gateway } from '../../http/ws/gateway.ts'
import type { AppLogger } from '../../logger.ts'

/** Registers the channel on `gateway` and feeds it from `bus`; returns the end of the feed. */
export function attachAdminContentChannel(
  gateway: Pick<Gateway, 'channel' | 'publish' | 'hasSubscribers'>,
  bus: Bus,
  views: Pick<AdminMemeViews, 'load'>,
  logger?: AppLogger,
): () => void {
  const channel = WS_CHANNELS.adminContent
  gateway.channel(channel, { authorize: allowAdmins, snapshot: async () => null })
  // Views are read one after another, so events leave in the order the changes happened.
  let sending = Promise.resolve()
  return bus.subscribe('content.meme', ({ memeId, progress }) => {
    if (!gateway.hasSubscribers(channel)) return
    sending = sending
      .then(async () => {
        // The message's own progress: by the time the view is read, later steps may have come.
        const view = await views.load(memeId, progress)
        if (view) gateway.publish(channel, view, { key: memeId })
      })
      .catch((error: unknown) => logger?.warn({ err: error, memeId }, 'admin content event failed'))
  })
}
