/**
 * The request both WebSocket servers of the `ws` benchmark answer, from memory: a confirmation
 * that one more second was watched, answered with the session's view (the shape and size of the
 * real watch.confirm reply, contracts/watch.ts WatchSessionView). The gateway and Socket.IO
 * servers share it, so that they do the same work and differ only in their framework.
 */
import type { WatchSessionView } from '../../contracts/watch.ts'

export const CONFIRM_TYPE = 'watch.confirm'

export class ConfirmState {
  private confirmed = 0

  constructor(private readonly sessionId: string) {}

  /** Counts the second and returns the view the reply carries. */
  confirm(): WatchSessionView {
    this.confirmed += 1
    const charged = Math.max(0, this.confirmed - 1)
    return {
      sessionId: this.sessionId,
      memeId: 'bench-meme-0',
      state: 'active',
      rateSats: 1,
      confirmedSeconds: this.confirmed,
      chargedSeconds: charged,
      chargedSats: charged,
      availableSats: 100_000 - this.confirmed,
      lowBalance: false,
      endReason: null,
    }
  }
}
