/**
 * Rounds, their results and what people earned, as the API serves them (SPEC 2, 5). Amounts are
 * whole satoshis.
 *
 *   GET /api/v1/rounds/current                     the open round with its live leaderboard
 *   GET /api/v1/rounds?before=&limit=              past rounds, newest first (the block timeline)
 *   GET /api/v1/rounds/:height                     one round: memes, leaderboard, settlement
 *   GET /api/v1/rounds/:height/memes/:memeId/splits  where every sat a meme took in a round went
 *   GET /api/v1/me/earnings                        a creator's or owner's earnings, with a series by day
 *   GET /api/v1/me/notifications                   the signed-in user's notifications, newest first
 *   POST /api/v1/me/notifications/read             marks notifications read up to an id
 *
 * The `round` WebSocket channel carries a RoundView (at most once a second); `blocks` carries a
 * BlockEvent per new tip; `user:<id>` carries UserEvent values.
 */
import { type Static, Type } from '@sinclair/typebox'
import { WatchSessionView } from './watch.ts'

const DateTime = Type.String({ format: 'date-time' })
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])
const Sats = Type.Integer({ minimum: 0 })

export const RoundState = Type.Union([Type.Literal('open'), Type.Literal('closed'), Type.Literal('settled')])
export type RoundState = Static<typeof RoundState>

export const RoundParamsView = Type.Object({
  feeBps: Type.Integer(),
  directPct: Type.Integer(),
  creatorPct: Type.Integer(),
  topWeights: Type.Array(Type.Integer()),
  topSharePct: Type.Integer(),
  viewerSharePct: Type.Integer(),
  fastViewers: Type.Integer(),
  qualifySeconds: Type.Integer(),
  memesPerRound: Type.Integer(),
})
export type RoundParamsView = Static<typeof RoundParamsView>

export const PersonView = Type.Object({
  id: Type.String(),
  /** A short readable label: the address or identity key, shortened. */
  label: Type.String(),
})
export type PersonView = Static<typeof PersonView>

/** One meme of a round with its engagement in that round. */
export const RoundMemeView = Type.Object({
  memeId: Type.String(),
  title: Type.String(),
  slot: Type.Integer({ minimum: 0 }),
  /** 1-based place on the leaderboard (paid seconds, ties by who got there first). */
  rank: Type.Integer({ minimum: 1 }),
  paidSeconds: Sats,
  revenueSats: Sats,
  viewers: Type.Integer({ minimum: 0, description: 'Distinct viewers who paid for it this round.' }),
  posterUrl: Type.String(),
  thumbnailUrl: Type.String(),
  creator: PersonView,
  owner: PersonView,
})
export type RoundMemeView = Static<typeof RoundMemeView>

export const RewardView = Type.Object({
  reason: Type.Union([Type.Literal('top'), Type.Literal('fast_viewer')]),
  memeId: Nullable(Type.String()),
  /** creator / owner for a top meme's reward; null for a fast viewer's. */
  role: Nullable(Type.String()),
  person: PersonView,
  amountSats: Sats,
  place: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: 'The meme’s place for top rewards; the viewer’s place in line for fast-viewer rewards.',
  }),
})
export type RewardView = Static<typeof RewardView>

export const SettlementView = Type.Object({
  poolSats: Sats,
  rolloverSats: Sats,
  rolledInto: Type.String({ description: 'The pool account the rollover went to.' }),
  rewards: Type.Array(RewardView),
  settledAt: DateTime,
})
export type SettlementView = Static<typeof SettlementView>

export const RoundView = Type.Object({
  height: Type.Integer({ minimum: 0 }),
  blockHash: Type.String(),
  state: RoundState,
  openedAt: DateTime,
  closedAt: Nullable(DateTime),
  /** What the round's pool holds now (after settlement: what it paid and rolled over). */
  poolSats: Sats,
  paidSeconds: Sats,
  viewers: Type.Integer({ minimum: 0 }),
  params: RoundParamsView,
  /** Ranked, first place first. */
  memes: Type.Array(RoundMemeView),
  settlement: Type.Union([SettlementView, Type.Null()]),
})
export type RoundView = Static<typeof RoundView>

export const CurrentRoundResponse = Type.Object({
  round: Type.Union([RoundView, Type.Null()], { description: 'Null before the first block is seen.' }),
  serverTime: DateTime,
})
export type CurrentRoundResponse = Static<typeof CurrentRoundResponse>

/** A past or present round as the block timeline shows it. */
export const RoundSummary = Type.Object({
  height: Type.Integer({ minimum: 0 }),
  blockHash: Type.String(),
  state: RoundState,
  openedAt: DateTime,
  closedAt: Nullable(DateTime),
  poolSats: Sats,
  memeCount: Type.Integer({ minimum: 0 }),
  winner: Type.Union([
    Type.Object({
      memeId: Type.String(),
      title: Type.String(),
      thumbnailUrl: Type.String(),
      paidSeconds: Sats,
    }),
    Type.Null(),
  ]),
})
export type RoundSummary = Static<typeof RoundSummary>

export const RoundsQuery = Type.Object({
  before: Type.Optional(Type.Integer({ minimum: 0, description: 'Rounds below this height.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
})
export type RoundsQuery = Static<typeof RoundsQuery>

export const RoundsResponse = Type.Object({ rounds: Type.Array(RoundSummary) })
export type RoundsResponse = Static<typeof RoundsResponse>

export const RoundParams = Type.Object({ height: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }) })
export type RoundParams = Static<typeof RoundParams>

export const RoundMemeParams = Type.Object({
  height: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
  memeId: Type.String({ minLength: 1, maxLength: 64 }),
})
export type RoundMemeParams = Static<typeof RoundMemeParams>

/** One flush's split of one stream: what the meme took and where each part went. */
export const SplitLogEntry = Type.Object({
  transferIds: Type.Array(Type.String()),
  at: DateTime,
  totalSats: Sats,
  feeSats: Sats,
  creatorSats: Sats,
  ownerSats: Sats,
  poolSats: Sats,
  owner: PersonView,
  /** The round whose pool the pool part fed (the round in progress at the time). */
  poolRound: Type.Integer({ minimum: 0 }),
})
export type SplitLogEntry = Static<typeof SplitLogEntry>

export const SplitLogResponse = Type.Object({
  memeId: Type.String(),
  height: Type.Integer({ minimum: 0 }),
  totals: Type.Object({ totalSats: Sats, feeSats: Sats, creatorSats: Sats, ownerSats: Sats, poolSats: Sats }),
  /** Oldest first. */
  entries: Type.Array(SplitLogEntry),
  rewards: Type.Array(RewardView, { description: 'What the meme won when its round settled.' }),
})
export type SplitLogResponse = Static<typeof SplitLogResponse>

export const EarningsDay = Type.Object({
  day: Type.String({ description: 'UTC date, YYYY-MM-DD.' }),
  creatorSats: Sats,
  ownerSats: Sats,
  rewardSats: Sats,
})
export type EarningsDay = Static<typeof EarningsDay>

export const EarningsMeme = Type.Object({
  memeId: Type.String(),
  title: Type.String(),
  thumbnailUrl: Type.String(),
  isCreator: Type.Boolean(),
  isOwner: Type.Boolean(),
  creatorSats: Sats,
  ownerSats: Sats,
  rewardSats: Sats,
})
export type EarningsMeme = Static<typeof EarningsMeme>

export const EarningsResponse = Type.Object({
  totals: Type.Object({ creatorSats: Sats, ownerSats: Sats, rewardSats: Sats, fastViewerSats: Sats }),
  /** Oldest first, one entry per day with earnings, at most 90 days. */
  days: Type.Array(EarningsDay),
  memes: Type.Array(EarningsMeme),
})
export type EarningsResponse = Static<typeof EarningsResponse>

export const NotificationKind = Type.Union([
  Type.Literal('reward_won'),
  Type.Literal('meme_earned'),
  Type.Literal('fast_viewer_reward'),
])
export type NotificationKind = Static<typeof NotificationKind>

export const NotificationView = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  kind: NotificationKind,
  /**
   * reward_won: { height, memeId, title, amountSats, place, role ('creator' | 'owner') };
   * fast_viewer_reward: { height, amountSats, place }; meme_earned: { height, memeId, title, amountSats }.
   */
  data: Type.Record(Type.String(), Type.Unknown()),
  createdAt: DateTime,
  read: Type.Boolean(),
})
export type NotificationView = Static<typeof NotificationView>

export const NotificationsResponse = Type.Object({
  notifications: Type.Array(NotificationView),
  unread: Type.Integer({ minimum: 0 }),
})
export type NotificationsResponse = Static<typeof NotificationsResponse>

export const MarkReadBody = Type.Object(
  { upToId: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)
export type MarkReadBody = Static<typeof MarkReadBody>

/** `blocks` channel: a new tip. */
export const BlockEvent = Type.Object({ height: Type.Integer(), hash: Type.String(), time: DateTime })
export type BlockEvent = Static<typeof BlockEvent>

/** `user:<id>` channel events; each kind is its own key, so a slow client keeps the latest of each. */
export const UserEvent = Type.Union([
  /** balanceSats includes what open holds reserve; availableSats does not (held = the difference). */
  Type.Object({ kind: Type.Literal('balance'), balanceSats: Sats, availableSats: Sats }),
  Type.Object({ kind: Type.Literal('notification'), notification: NotificationView }),
  Type.Object({ kind: Type.Literal('watch'), session: WatchSessionView }),
])
export type UserEvent = Static<typeof UserEvent>
