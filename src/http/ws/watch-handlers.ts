/**
 * The watch protocol (contracts/watch.ts) on the gateway: start, confirm, stop, and the end of
 * every session a connection started when that connection closes.
 */
import { WATCH_MESSAGES, WatchSessionBody, WatchStartBody } from '../../../contracts/watch.ts'
import type { WatchService } from '../../services/watch/watch.service.ts'
import { AppError } from '../errors.ts'
import type { Gateway, WsContext } from './gateway.ts'

export function registerWatchHandlers(gateway: Gateway, watch: WatchService): void {
  const started = new WeakMap<WsContext, Set<string>>()

  function signedIn(context: WsContext): string {
    if (!context.user) throw new AppError('UNAUTHORIZED')
    return context.user.id
  }

  gateway.handle(WATCH_MESSAGES.start, WatchStartBody, async (context, body) => {
    const userId = signedIn(context)
    const reply = await watch.startSession(userId, body.memeId)
    let mine = started.get(context)
    if (!mine) {
      const sessions = new Set<string>()
      started.set(context, sessions)
      context.onClose(() => watch.disconnected(userId, sessions))
      mine = sessions
    }
    mine.add(reply.session.sessionId)
    return reply
  })

  // Answered in the same turn (no promise): every viewer sends one each second.
  gateway.handle(WATCH_MESSAGES.confirm, WatchSessionBody, (context, body) =>
    watch.confirm(signedIn(context), body.sessionId),
  )

  gateway.handle(WATCH_MESSAGES.stop, WatchSessionBody, async (context, body) => {
    const view = await watch.stop(signedIn(context), body.sessionId)
    started.get(context)?.delete(body.sessionId)
    return view
  })
}
