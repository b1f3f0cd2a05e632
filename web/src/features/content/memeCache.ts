/**
 * How one changed meme (from the live feed, an upload or a review action) is merged into
 * the lists the app already holds, without asking the server again. Each list is the server's
 * answer to GET /api/v1/admin/memes?state=…, newest first; a meme that moves on leaves the list
 * of its old state and enters the list of its new one. Events and responses can cross on the
 * way, so a copy older than the one already held never replaces it.
 */
import type { AdminMemeView, MemeState } from '../../../../contracts/content.ts'

/** One list query: the memes in one state, or in any state when `state` is left out. */
export interface MemeListArg {
  state?: MemeState
}

/** Newest first by creation, as the server orders the lists; the id breaks ties the same way everywhere. */
export function newestFirst(a: AdminMemeView, b: AdminMemeView): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

function belongsTo(meme: AdminMemeView, arg: MemeListArg): boolean {
  return arg.state === undefined || meme.state === arg.state
}

/**
 * True when `incoming` is older than `held`. ISO timestamps of one server compare as text. An
 * equal time is not older: progress reports may leave `updatedAt` alone and must still show.
 */
export function isOlderCopy(incoming: AdminMemeView, held: AdminMemeView): boolean {
  return incoming.updatedAt < held.updatedAt
}

/**
 * The list with `meme` in its place: replaced where it was, inserted in order when it has just
 * entered this list's state, removed when it has left it. At most `limit` memes are kept, as
 * the server would have answered.
 */
export function mergeMeme(
  memes: readonly AdminMemeView[],
  meme: AdminMemeView,
  arg: MemeListArg,
  limit: number,
): AdminMemeView[] {
  const held = memes.find((candidate) => candidate.id === meme.id)
  if (held && isOlderCopy(meme, held)) return [...memes]
  const others = memes.filter((candidate) => candidate.id !== meme.id)
  if (!belongsTo(meme, arg)) return others
  return [...others, meme].sort(newestFirst).slice(0, limit)
}

/** Whether the round queue (approved memes in order) may have changed with this meme. */
export function affectsRoundQueue(meme: AdminMemeView): boolean {
  return meme.state === 'approved' || meme.state === 'assigned'
}

/**
 * The data of an `admin:content` event, or null if it is not a meme: a server that sends
 * something unexpected must not break the page, and the next event or poll puts things right.
 */
export function memeOfEvent(data: unknown): AdminMemeView | null {
  if (typeof data !== 'object' || data === null) return null
  const { id, state, updatedAt } = data as Record<string, unknown>
  if (typeof id !== 'string' || typeof state !== 'string' || typeof updatedAt !== 'string') return null
  return data as AdminMemeView
}
