import { assert, isSats } from './money.ts'

/**
 * Settlement of a round's reward pool (SPEC 2 "Round end"): pure arithmetic over the round's
 * totals, no database. The service reads the totals, calls `settleRound`, and posts the credits
 * and the rollover as ledger transfers in one transaction.
 *
 * Who is paid:
 *   top part     topSharePct (95%) of the pool, to the best memes by paid seconds with
 *                topWeights (50/30/20) of that part; each meme's reward is split creatorPct
 *                (10%) to its creator and the rest to its owner
 *   viewer part  viewerSharePct (5%) of the pool, in equal parts to the first fastViewers (100)
 *                qualifying viewers, in the order the caller gives them
 *
 * Remainders. Every division floors an integer product (in bigint, since pool × percent can pass
 * 2^53 for pools near the total supply), and whatever is left unassigned rolls into the next
 * round, so the credits and the rollover always add up to the pool exactly:
 *   topPart   = floor(pool × topSharePct / 100)
 *   viewerPart= floor(pool × viewerSharePct / 100)
 *   place i   = floor(topPart × topWeights[i] / 100), rolled over when no meme holds place i
 *   creator   = floor(place × creatorPct / 100); owner = place − creator (nothing rolls over
 *               here: the meme's reward is earned in full, and the odd satoshi goes to the owner)
 *   viewer    = floor(viewerPart / n) each, n = min(fastViewers, qualifying viewers); all of the
 *               viewer part rolls over when n = 0
 *   rollover  = pool − everything credited: the places no meme took, the whole viewer part
 *               when nobody qualified, and the rounding remainders (under one satoshi per
 *               place, under n for the viewers, at most one between the two parts)
 * A meme's creator and owner may be one account: it then gets two credits, one per role, so a
 * credit's identity (round, meme, role) is the same whoever holds the roles, and the ledger
 * transfer ids derived from it need no special case.
 *
 * Ranking: memes with paid seconds rank by paid seconds, more first; equal totals go to the one
 * that reached its total first (lower reachedAtSeq); if even those are equal (two memes reaching
 * their totals in one flush), to the lower memeId, so that the result never depends on the order
 * of the input. Memes with 0 paid seconds never rank.
 */

/** Reward parameters in force for a round (SPEC 2; the weights are config). */
export interface RewardParams {
  /** Weights of the places, in percent of the top part, best place first; they add up to 100. */
  topWeights: readonly number[]
  /** Share of the pool paid to the top memes, in percent. */
  topSharePct: number
  /** Share of the pool paid to the fast viewers, in percent. */
  viewerSharePct: number
  /** How many of the first qualifying viewers share the viewer part. */
  fastViewers: number
  /** The creator's share of a meme's reward, in percent; the owner gets the rest. */
  creatorPct: number
}

export const DEFAULT_REWARD_PARAMS: Readonly<RewardParams> = Object.freeze({
  topWeights: Object.freeze([50, 30, 20]),
  topSharePct: 95,
  viewerSharePct: 5,
  fastViewers: 100,
  creatorPct: 10,
})

/** A meme that competed in the round, with its final total. */
export interface CompetingMeme {
  memeId: string
  creatorAccountId: string
  ownerAccountId: string
  paidSeconds: number
  /** When the meme reached its final total (a ledger sequence): lower wins a tie in seconds. */
  reachedAtSeq: number
}

export interface RoundSettlementInput {
  /** What the viewers' pool shares paid into the round plus the previous round's rollover. */
  poolSats: number
  params: RewardParams
  /** Any order: the result does not depend on it. */
  memes: readonly CompetingMeme[]
  /** Distinct viewer account ids in the order each reached the qualifying paid seconds. */
  qualifyingViewerIds: readonly string[]
}

/** Reasons are named after the places, so there are at most this many places. */
export const TOP_REASONS = ['top1', 'top2', 'top3'] as const
export type TopReason = (typeof TOP_REASONS)[number]
export type CreditReason = TopReason | 'fast_viewer'

export interface SettlementCredit {
  accountId: string
  /** Always a positive whole number of satoshis: zero credits are left out. */
  amountSats: number
  reason: CreditReason
  /** Set on top-place credits. */
  memeId?: string
  role?: 'creator' | 'owner'
}

export interface RankedMeme {
  /** 1 for the best meme. */
  rank: number
  memeId: string
  paidSeconds: number
  reachedAtSeq: number
  /** The place's whole reward, creator and owner parts together (may be 0 for a tiny pool). */
  rewardSats: number
}

export interface RoundSettlement {
  /** Top places in rank order (creator then owner), then the fast viewers in their order. */
  credits: SettlementCredit[]
  /** Unpaid satoshis, carried into the next round's pool. */
  rolloverSats: number
  /** The memes that took a place, best first; at most topWeights.length of them. */
  ranking: RankedMeme[]
  /** What each fast viewer received (0 when nobody qualified or the viewer part was too small). */
  fastViewerSats: number
}

const PERCENT = 100

function isPercent(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= PERCENT
}

/** Bad parameters are a configuration bug that config parsing should have refused. */
export function assertRewardParams(params: RewardParams): void {
  const weights = params.topWeights
  assert(
    weights.length >= 1 && weights.length <= TOP_REASONS.length,
    `topWeights must have 1..${TOP_REASONS.length} places, got ${weights.length}`,
  )
  assert(weights.every(isPercent), 'topWeights must be whole percentages')
  assert(weights.reduce((a, b) => a + b, 0) === PERCENT, 'topWeights must add up to 100')
  // A lower place paid more than a higher one would reward losing; it is never intended.
  assert(
    weights.every((w, i) => i === 0 || w <= weights[i - 1]!),
    'topWeights must not increase from one place to the next',
  )
  assert(isPercent(params.topSharePct) && isPercent(params.viewerSharePct), 'shares must be percentages')
  assert(params.topSharePct + params.viewerSharePct === PERCENT, 'topSharePct + viewerSharePct must be 100')
  assert(Number.isSafeInteger(params.fastViewers) && params.fastViewers >= 0, 'fastViewers out of range')
  assert(isPercent(params.creatorPct), 'creatorPct must be a percentage')
}

/**
 * floor(amount × numerator / denominator), exactly: the product is taken in bigint because a
 * pool near the total supply times a percentage exceeds Number.MAX_SAFE_INTEGER.
 */
export function floorShare(amountSats: number, numerator: number, denominator: number): number {
  assert(isSats(amountSats), `share base must be whole satoshis, got ${amountSats}`)
  assert(
    Number.isSafeInteger(numerator) && numerator >= 0 && numerator <= denominator,
    'share numerator out of range',
  )
  return Number((BigInt(amountSats) * BigInt(numerator)) / BigInt(denominator))
}

/** Negative when `a` ranks above `b`; a total order once meme ids are distinct. */
export function compareRank(a: CompetingMeme, b: CompetingMeme): number {
  if (a.paidSeconds !== b.paidSeconds) return b.paidSeconds - a.paidSeconds
  if (a.reachedAtSeq !== b.reachedAtSeq) return a.reachedAtSeq - b.reachedAtSeq
  return a.memeId < b.memeId ? -1 : a.memeId > b.memeId ? 1 : 0
}

/**
 * The best `places` memes with paid seconds, best first, in one pass: each meme is compared with
 * the current last place and, when better, inserted into a list of at most `places` entries.
 * Equal to sorting the ranked memes by compareRank and taking the first `places`, without
 * sorting a thousand memes to find three.
 */
export function rankMemes(memes: readonly CompetingMeme[], places: number): CompetingMeme[] {
  const best: CompetingMeme[] = []
  if (places <= 0) return best
  for (const meme of memes) {
    if (meme.paidSeconds === 0) continue
    if (best.length === places && compareRank(meme, best[places - 1]!) >= 0) continue
    let i = Math.min(best.length, places - 1)
    best[i] = meme
    while (i > 0 && compareRank(meme, best[i - 1]!) < 0) {
      best[i] = best[i - 1]!
      best[i - 1] = meme
      i--
    }
  }
  return best
}

function assertRoundInput(input: RoundSettlementInput): void {
  assert(isSats(input.poolSats), `pool must be whole satoshis, got ${input.poolSats}`)
  assertRewardParams(input.params)
  const memeIds = new Set<string>()
  for (const meme of input.memes) {
    assert(meme.memeId.length > 0, 'meme id must not be empty')
    assert(!memeIds.has(meme.memeId), `meme ${meme.memeId} appears twice in the round`)
    memeIds.add(meme.memeId)
    assert(meme.creatorAccountId.length > 0 && meme.ownerAccountId.length > 0, 'meme accounts must be set')
    assert(
      Number.isSafeInteger(meme.paidSeconds) && meme.paidSeconds >= 0,
      `paid seconds of ${meme.memeId} must be a whole number`,
    )
    assert(
      Number.isSafeInteger(meme.reachedAtSeq) && meme.reachedAtSeq >= 0,
      `reachedAtSeq of ${meme.memeId} must be a whole number`,
    )
  }
  // The whole list is checked, not only the paid prefix: a repeated viewer anywhere means the
  // round state counted arrivals wrongly, and the prefix may be wrong too.
  const viewers = new Set(input.qualifyingViewerIds)
  assert(viewers.size === input.qualifyingViewerIds.length, 'qualifying viewers must be distinct')
  assert(!viewers.has(''), 'viewer id must not be empty')
}

/** Credits of the top places; returns what they paid out. */
function creditTopPlaces(
  topPartSats: number,
  params: RewardParams,
  winners: readonly CompetingMeme[],
  credits: SettlementCredit[],
  ranking: RankedMeme[],
): number {
  let paidSats = 0
  for (const [i, meme] of winners.entries()) {
    const reason = TOP_REASONS[i]!
    const rewardSats = floorShare(topPartSats, params.topWeights[i]!, PERCENT)
    const creatorSats = floorShare(rewardSats, params.creatorPct, PERCENT)
    const ownerSats = rewardSats - creatorSats
    const memeId = meme.memeId
    if (creatorSats > 0)
      credits.push({
        accountId: meme.creatorAccountId,
        amountSats: creatorSats,
        reason,
        memeId,
        role: 'creator',
      })
    if (ownerSats > 0)
      credits.push({ accountId: meme.ownerAccountId, amountSats: ownerSats, reason, memeId, role: 'owner' })
    ranking.push({
      rank: i + 1,
      memeId,
      paidSeconds: meme.paidSeconds,
      reachedAtSeq: meme.reachedAtSeq,
      rewardSats,
    })
    paidSats += rewardSats
  }
  return paidSats
}

/** Settles one round. Throws AssertionError on malformed input, which only a bug produces. */
export function settleRound(input: RoundSettlementInput): RoundSettlement {
  assertRoundInput(input)
  const { poolSats, params } = input
  const topPartSats = floorShare(poolSats, params.topSharePct, PERCENT)
  const viewerPartSats = floorShare(poolSats, params.viewerSharePct, PERCENT)

  const credits: SettlementCredit[] = []
  const ranking: RankedMeme[] = []
  const winners = rankMemes(input.memes, params.topWeights.length)
  let paidSats = creditTopPlaces(topPartSats, params, winners, credits, ranking)

  const viewerCount = Math.min(params.fastViewers, input.qualifyingViewerIds.length)
  const fastViewerSats = viewerCount === 0 ? 0 : Math.floor(viewerPartSats / viewerCount)
  if (fastViewerSats > 0) {
    for (let i = 0; i < viewerCount; i++) {
      const accountId = input.qualifyingViewerIds[i]!
      credits.push({ accountId, amountSats: fastViewerSats, reason: 'fast_viewer' })
    }
    paidSats += fastViewerSats * viewerCount
  }

  const rolloverSats = poolSats - paidSats
  // Conservation is the one law of the ledger: a settlement that breaks it must never be posted.
  assert(rolloverSats >= 0 && paidSats + rolloverSats === poolSats, 'settlement must conserve the pool')
  return { credits, rolloverSats, ranking, fastViewerSats }
}
