/**
 * Figures the round pages derive from what the server sends: how full the block being "mined"
 * is drawn, what each leading meme would win if the round ended now, and what changed between
 * two states of the round worth telling a screen reader. Amounts stay integer satoshis.
 */
import type { RoundMemeView, RoundParamsView, RoundView } from '../../../../contracts/rounds.ts'

/**
 * The block in progress is drawn full when its pool matches the best of the recent rounds, as a
 * mempool.space block is full at the block size limit. Below this, the first few sats of a quiet
 * chain would fill it at once.
 */
export const BLOCK_FILL_FLOOR_SATS = 1_000

/** Whole percent, 0–100, of the block in progress to draw filled. */
export function blockFillPercent(poolSats: number, recentPoolSats: readonly number[]): number {
  const reference = Math.max(BLOCK_FILL_FLOOR_SATS, ...recentPoolSats)
  if (poolSats <= 0) return 0
  return Math.max(1, Math.min(100, Math.floor((poolSats * 100) / reference)))
}

/**
 * What the meme in `place` (1-based) would receive if the round settled with the pool it holds
 * now, by the settlement's own arithmetic (src/domain/settlement.ts): the top part is
 * floor(pool × topSharePct / 100) and each place floor(topPart × weight / 100). Null for places
 * beyond the weights. Bigint, as in settlement, since pool × percent can pass 2^53.
 */
export function prizeIfEndedNow(
  poolSats: number,
  params: Pick<RoundParamsView, 'topSharePct' | 'topWeights'>,
  place: number,
): number | null {
  const weight = params.topWeights[place - 1]
  if (weight === undefined) return null
  const topPart = (BigInt(poolSats) * BigInt(params.topSharePct)) / 100n
  return Number((topPart * BigInt(weight)) / 100n)
}

/** Memes as the grid shows them: by slot, so a card does not move while someone aims at it. */
export function memesBySlot(memes: readonly RoundMemeView[]): RoundMemeView[] {
  return [...memes].sort((a, b) => a.slot - b.slot)
}

/** The meme in first place, if any meme has been paid for (a meme without paid seconds never ranks). */
export function leaderOf(round: Pick<RoundView, 'memes'>): RoundMemeView | null {
  const first = round.memes[0]
  return first !== undefined && first.paidSeconds > 0 ? first : null
}

/**
 * A sentence for assistive technology when the round changed in a way worth interrupting for:
 * a new round (a block was found) or a new leader. Counters that tick are not announced.
 */
export function roundAnnouncement(
  before: Pick<RoundView, 'height' | 'memes'> | null,
  after: Pick<RoundView, 'height' | 'memes'> | null,
): string | null {
  if (after === null) return null
  if (before === null || before.height !== after.height) {
    return before === null ? null : `Block ${after.height} found: round ${after.height} is open.`
  }
  const leader = leaderOf(after)
  if (leader !== null && leaderOf(before)?.memeId !== leader.memeId) {
    return `${leader.title} now leads round ${after.height}.`
  }
  return null
}

/** Whole seconds from `iso` to `nowMs`, never negative. */
export function secondsSince(iso: string, nowMs: number): number {
  const thenMs = Date.parse(iso)
  if (Number.isNaN(thenMs)) return 0
  return Math.max(0, Math.floor((nowMs - thenMs) / 1_000))
}
