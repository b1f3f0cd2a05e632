/**
 * The read side of rounds (contracts/rounds.ts): the current round with its live leaderboard, the
 * block timeline, one round in full, where every satoshi a meme took went (its split log), and
 * what a person earned. Nothing here writes; every figure comes from the ledger's transfers and
 * the engagement tables, each call in one to three queries whatever the number of memes.
 *
 * Where the money of a round is found:
 *   view revenue    split legs (src/ledger/streams.ts): one transfer per part and flush, code
 *                   `split.<part>`, ref = the stream id `view:<poolRound>:<memeId>:<ownerUserId>`,
 *                   id `<stream>@<running total>:<part>`. poolRound is the round in progress when
 *                   the seconds were paid, whose pool got the pool part.
 *   rewards         settlement transfers (round-engine.ts settlementTransfers) from `pool:<h>`,
 *                   code reward_top (ref = meme id) or reward_fast_viewer.
 *
 * The split log of (round H, meme M) lists every stream of M whose poolRound is H: what M took
 * while round H was in progress. For M's own round that is its competition; a meme shown in an
 * earlier round and still watched during H appears in H's log too, and an empty log is a valid
 * answer for any existing round and meme. Those streams are found through the legs that fed H's
 * pool (the transfers_by_credit index on `pool:<H>`), then read whole by ref (transfers_by_ref):
 * `ref like 'view:H:M:%'` cannot use the ref index unless the database collation is "C", and
 * the planner then reads every view leg ever written. A stream that never fed the pool would be
 * missed; with the pool the largest share of a split (SPEC 2: 55 to 60%) every stream's first
 * satoshi goes to it.
 *
 * A meme's viewers in a round are the rows of round_meme_viewers (who paid for which meme in the
 * round it competed in; src/services/watch/engagement.ts writes them with the charges).
 */
import { type Kysely, type RawBuilder, sql } from 'kysely'
import type {
  CurrentRoundResponse,
  EarningsDay,
  EarningsMeme,
  EarningsResponse,
  PersonView,
  RewardView,
  RoundMemeView,
  RoundSummary,
  RoundsQuery,
  RoundView,
  SettlementView,
  SplitLogEntry,
  SplitLogResponse,
} from '../../../contracts/rounds.ts'
import type { CachedValue } from '../../adapters/cache/cached-value.ts'
import type { Database, RoundState } from '../../adapters/db/schema.ts'
import type { MediaExtension, StoredMedia } from '../../adapters/media/media-store.ts'
import { assert } from '../../domain/money.ts'
import { compareRank, type RankedMeme } from '../../domain/settlement.ts'
import { mediaUrl } from '../../http/routes/content.ts'
import { roundPoolAccountId, userAccountId } from '../../ledger/accounts.ts'
import type { RoundRecordParams } from './rounds.repository.ts'

export const DEFAULT_ROUNDS_LIMIT = 20
/** The earnings series covers this many UTC days, today included. */
export const EARNINGS_DAYS = 90
const MS_PER_DAY = 86_400_000

/** Account id formats, as SQL needs them to join users and pools to transfers. */
const USER_ACCOUNT_PREFIX = userAccountId('')
const POOL_ACCOUNT_PREFIX = 'pool:'
assert(roundPoolAccountId(7) === `${POOL_ACCOUNT_PREFIX}7`, 'pool account ids are pool:<height>')

const VIEW_STREAM_PREFIX = 'view'
export const SPLIT_CODES = {
  fee: 'split.fee',
  creator: 'split.creator',
  owner: 'split.owner',
  pool: 'split.pool',
} as const
export const REWARD_CODES = { top: 'reward_top', fastViewer: 'reward_fast_viewer' } as const

/** The stream a meme's view revenue is split on while round `poolRound` is in progress. */
export function viewStreamId(poolRound: number, memeId: string, ownerUserId: string): string {
  return `${VIEW_STREAM_PREFIX}:${poolRound}:${memeId}:${ownerUserId}`
}

export function parseViewStreamId(
  streamId: string,
): { poolRound: number; memeId: string; ownerUserId: string } | undefined {
  const [prefix, round, memeId, ownerUserId, ...rest] = streamId.split(':')
  if (prefix !== VIEW_STREAM_PREFIX || rest.length > 0 || !memeId || !ownerUserId) return undefined
  const poolRound = Number(round)
  return Number.isSafeInteger(poolRound) && poolRound >= 0 ? { poolRound, memeId, ownerUserId } : undefined
}

/** What round-engine.ts writes to rounds.settlement. */
interface SettlementRecord {
  poolSats: number
  rolloverSats: number
  ranking: RankedMeme[]
  fastViewerSats: number
  rolledInto: string
}

/** One settlement credit of a round, with who received it; see payouts(). */
export interface RewardCredit {
  transferId: string
  reason: 'top' | 'fast_viewer'
  memeId: string | null
  title: string | null
  role: 'creator' | 'owner' | null
  userId: string
  person: PersonView
  amountSats: number
  /** The meme's place for a top reward, the viewer's place in line for a fast-viewer reward. */
  place: number | null
}

/** What one person's creator and owner shares of one meme came to in streams of one pool round. */
export interface MemeEarning {
  userId: string
  memeId: string
  title: string
  amountSats: number
}

export interface RoundPayouts {
  credits: RewardCredit[]
  memeEarnings: MemeEarning[]
}

export interface RoundQueriesOptions {
  now?: () => Date
}

interface PersonColumns {
  id: string
  address: string | null
  identity_key: string | null
}

interface MediaColumns {
  animation: unknown
  stored_sha256: string
  stored_ext: string
}

const LABEL_HEAD = 6
const LABEL_TAIL = 4

/** A readable label: the address (or identity key, or id) as its first 6 and last 4 characters. */
export function personView(person: PersonColumns): PersonView {
  const key = person.address ?? person.identity_key ?? person.id
  const label =
    key.length > LABEL_HEAD + LABEL_TAIL + 1 ? `${key.slice(0, LABEL_HEAD)}…${key.slice(-LABEL_TAIL)}` : key
  return { id: person.id, label }
}

function parsed<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T
}

function iso(value: Date | string): string {
  return new Date(value).toISOString()
}

/** Posters and thumbnails are public files; a meme not yet animated shows its stored image. */
export function memeImages(row: MediaColumns): { posterUrl: string; thumbnailUrl: string } {
  const animation =
    row.animation === null
      ? null
      : parsed<{ poster: StoredMedia; thumbnailSmall: StoredMedia }>(row.animation)
  const stored = { sha256: row.stored_sha256, ext: row.stored_ext as MediaExtension }
  return {
    posterUrl: mediaUrl(animation ? animation.poster : stored),
    thumbnailUrl: mediaUrl(animation ? animation.thumbnailSmall : stored),
  }
}

function placeOfReason(reason: string): number | null {
  const match = /^top(\d+)$/.exec(reason)
  return match ? Number(match[1]) : null
}

interface RoundRow {
  height: number
  block_hash: string
  state: RoundState
  params: unknown
  opened_at: Date
  closed_at: Date | null
  settled_at: Date | null
  settlement: unknown
  pool_balance: number
  paid_seconds: number
  viewers: number
}

interface RoundMemeRow extends MediaColumns {
  meme_id: string
  slot: number
  title: string
  creator_id: string
  creator_address: string | null
  creator_identity_key: string | null
  owner_id: string
  owner_address: string | null
  owner_identity_key: string | null
  paid_seconds: number
  revenue_sats: number
  reached_seq: number | null
  viewers: number
}

interface RewardRow {
  id: string
  code: string
  ref: string | null
  amount_sats: number
  user_id: string
  address: string | null
  identity_key: string | null
  title: string | null
  line_place: number | null
}

interface LegRow {
  id: string
  ref: string
  code: string
  amount_sats: number
  created_at: Date
  owner_id: string | null
  address: string | null
  identity_key: string | null
}

export class RoundQueries {
  private readonly now: () => Date
  /** The open round's view through a short-lived cache, once main.ts provides one. */
  private currentRound: CachedValue<RoundView | null> | undefined

  constructor(
    private readonly db: Kysely<Database>,
    options: RoundQueriesOptions = {},
  ) {
    this.now = options.now ?? (() => new Date())
  }

  /** The open round (the newest, should two ever be open) with its live leaderboard. */
  async current(): Promise<CurrentRoundResponse> {
    const serverTime = this.now().toISOString()
    const load = () => this.loadCurrentRound()
    const round = this.currentRound ? await this.currentRound.get(load) : await load()
    return { round, serverTime }
  }

  /**
   * Serves current()'s round and leaderboard through `cached` (main.ts: about a second of TTL,
   * invalidated on 'round.updated'); serverTime stays this node's clock. Without one, every call
   * reads the database.
   */
  cacheCurrentRound(cached: CachedValue<RoundView | null>): void {
    this.currentRound = cached
  }

  private async loadCurrentRound(): Promise<RoundView | null> {
    const row = await this.roundRows(sql`r.state = 'open'`)
    return row ? await this.toRoundView(row) : null
  }

  async detail(height: number): Promise<RoundView | undefined> {
    const row = await this.roundRows(sql`r.height = ${height}`)
    return row && this.toRoundView(row)
  }

  /** Rounds below `before`, newest first, each with its current leader (or winner). */
  async list(query: RoundsQuery): Promise<RoundSummary[]> {
    const limit = query.limit ?? DEFAULT_ROUNDS_LIMIT
    const below = query.before === undefined ? sql`true` : sql`r.height < ${query.before}`
    const { rows } = await sql<{
      height: number
      block_hash: string
      state: RoundState
      opened_at: Date
      closed_at: Date | null
      settlement: unknown
      pool_balance: number
      meme_count: number
      winner_id: string | null
      winner_title: string | null
      winner_paid_seconds: number | null
      animation: unknown
      stored_sha256: string | null
      stored_ext: string | null
    }>`
      select r.height, r.block_hash, r.state, r.opened_at, r.closed_at, r.settlement,
             coalesce(a.balance_sats, 0) as pool_balance,
             (select count(*) from round_memes c where c.round_height = r.height) as meme_count,
             w.meme_id as winner_id, w.title as winner_title, w.paid_seconds as winner_paid_seconds,
             w.animation, w.stored_sha256, w.stored_ext
      from rounds r
      left join accounts a on a.id = ${POOL_ACCOUNT_PREFIX}::text || r.height
      left join lateral (
        select s.meme_id, m.title, s.paid_seconds, m.animation, m.stored_sha256, m.stored_ext
        from round_memes rm
        join round_meme_stats s on s.round_height = rm.round_height and s.meme_id = rm.meme_id
        join memes m on m.id = rm.meme_id
        where rm.round_height = r.height and s.paid_seconds > 0
        order by s.paid_seconds desc, s.reached_seq, s.meme_id collate "C"
        limit 1
      ) w on true
      where ${below}
      order by r.height desc
      limit ${limit}`.execute(this.db)
    return rows.map((r) => ({
      height: r.height,
      blockHash: r.block_hash,
      state: r.state,
      openedAt: iso(r.opened_at),
      closedAt: r.closed_at && iso(r.closed_at),
      poolSats: poolSatsOf(r.state, r.settlement, r.pool_balance),
      memeCount: r.meme_count,
      winner:
        r.winner_id === null
          ? null
          : {
              memeId: r.winner_id,
              title: r.winner_title ?? '',
              thumbnailUrl: memeImages({
                animation: r.animation,
                stored_sha256: r.stored_sha256 ?? '',
                stored_ext: r.stored_ext ?? '',
              }).thumbnailUrl,
              paidSeconds: r.winner_paid_seconds ?? 0,
            },
    }))
  }

  /**
   * Where every satoshi meme `memeId` took while round `height` was in progress went, one entry
   * per flush of each of its streams, oldest first, with what the meme won when the round
   * settled. Undefined when the round or the meme does not exist.
   */
  async splitLog(height: number, memeId: string): Promise<SplitLogResponse | undefined> {
    const found = await sql<{ round: number | null; meme: string | null }>`
      select (select height from rounds where height = ${height}) as round,
             (select id from memes where id = ${memeId}) as meme`.execute(this.db)
    const exists = found.rows[0]
    if (!exists || exists.round === null || exists.meme === null) return undefined

    const { rows } = await sql<LegRow>`
      with streams as (
        select distinct ref from transfers
        where credit_account_id = ${roundPoolAccountId(height)} and code = ${SPLIT_CODES.pool}
          and starts_with(ref, ${viewStreamId(height, memeId, '')})
      )
      select t.id, t.ref, t.code, t.amount_sats, t.created_at,
             u.id as owner_id, u.address, u.identity_key
      from streams s
      join transfers t on t.ref = s.ref
      left join users u on u.id = split_part(t.ref, ':', 4)
      where t.code in (${SPLIT_CODES.fee}, ${SPLIT_CODES.creator}, ${SPLIT_CODES.owner}, ${SPLIT_CODES.pool})
      order by t.seq`.execute(this.db)
    const entries = splitEntries(rows, height)
    const totals = { totalSats: 0, feeSats: 0, creatorSats: 0, ownerSats: 0, poolSats: 0 }
    for (const e of entries) {
      totals.totalSats += e.totalSats
      totals.feeSats += e.feeSats
      totals.creatorSats += e.creatorSats
      totals.ownerSats += e.ownerSats
      totals.poolSats += e.poolSats
    }
    const rewards = (await this.rewardCredits(height, memeId)).map(toRewardView)
    return { memeId, height, totals, entries, rewards }
  }

  /**
   * What a user earned: view revenue as a meme's creator or owner (split.creator / split.owner
   * legs credited to them, by the meme of the stream), top rewards (reward_top) and fast-viewer
   * rewards, in total, by UTC day for the last EARNINGS_DAYS days, and per meme for every meme
   * that paid them anything, most first.
   */
  async earnings(userId: string): Promise<EarningsResponse> {
    const now = this.now()
    const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
    const since = new Date(today - (EARNINGS_DAYS - 1) * MS_PER_DAY)
    // One pass over the user's credits: per (code, meme) for all time, per (code, day) within
    // the window. grouping(day) tells the two kinds of rows apart.
    const { rows } = await sql<{
      code: string
      meme_id: string | null
      day: string | null
      per_meme: number
      sats: number
    }>`
      select code, meme_id, day, grouping(day) as per_meme, sum(amount_sats)::bigint as sats
      from (
        select code, amount_sats,
               case when code = ${REWARD_CODES.top} then ref
                    when code in (${SPLIT_CODES.creator}, ${SPLIT_CODES.owner}) then split_part(ref, ':', 3)
               end as meme_id,
               case when created_at >= ${since}
                    then to_char(created_at at time zone 'UTC', 'YYYY-MM-DD') end as day
        from transfers
        where credit_account_id = ${userAccountId(userId)}
          and code in (${SPLIT_CODES.creator}, ${SPLIT_CODES.owner}, ${REWARD_CODES.top}, ${REWARD_CODES.fastViewer})
      ) credits
      group by grouping sets ((code, meme_id), (code, day))`.execute(this.db)

    const totals = { creatorSats: 0, ownerSats: 0, rewardSats: 0, fastViewerSats: 0 }
    const days = new Map<string, EarningsDay>()
    const memes = new Map<string, { creatorSats: number; ownerSats: number; rewardSats: number }>()
    for (const row of rows) {
      const field = earningsField(row.code)
      if (row.per_meme === 1) {
        if (field === 'fastViewerSats') totals.fastViewerSats += row.sats
        else totals[field] += row.sats
        if (row.meme_id !== null && field !== 'fastViewerSats') {
          const meme = memes.get(row.meme_id) ?? { creatorSats: 0, ownerSats: 0, rewardSats: 0 }
          meme[field] += row.sats
          memes.set(row.meme_id, meme)
        }
      } else if (row.day !== null && field !== 'fastViewerSats') {
        const day = days.get(row.day) ?? { day: row.day, creatorSats: 0, ownerSats: 0, rewardSats: 0 }
        day[field] += row.sats
        days.set(row.day, day)
      }
    }
    return {
      totals,
      days: [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1)),
      memes: await this.earningsMemes(userId, memes),
    }
  }

  /**
   * What a settled round paid and to whom: its settlement credits, and per person and meme the
   * creator and owner shares of the streams whose pool was this round's. Undefined until the
   * round is settled, since until then neither is final.
   */
  async payouts(height: number): Promise<RoundPayouts | undefined> {
    const round = await this.db
      .selectFrom('rounds')
      .select('state')
      .where('height', '=', height)
      .executeTakeFirst()
    if (round?.state !== 'settled') return undefined
    const credits = await this.rewardCredits(height)
    const { rows } = await sql<{ user_id: string; meme_id: string; title: string; sats: number }>`
      with streams as (
        select distinct ref from transfers
        where credit_account_id = ${roundPoolAccountId(height)} and code = ${SPLIT_CODES.pool}
          and starts_with(ref, ${`${VIEW_STREAM_PREFIX}:${height}:`})
      )
      select u.id as user_id, m.id as meme_id, m.title, sum(t.amount_sats)::bigint as sats
      from streams s
      join transfers t on t.ref = s.ref
      join users u on u.id = substr(t.credit_account_id, ${USER_ACCOUNT_PREFIX.length + 1})
                  and t.credit_account_id = ${USER_ACCOUNT_PREFIX}::text || u.id
      join memes m on m.id = split_part(t.ref, ':', 3)
      where t.code in (${SPLIT_CODES.creator}, ${SPLIT_CODES.owner})
      group by u.id, m.id, m.title
      order by m.id, u.id`.execute(this.db)
    return {
      credits,
      memeEarnings: rows.map((r) => ({
        userId: r.user_id,
        memeId: r.meme_id,
        title: r.title,
        amountSats: r.sats,
      })),
    }
  }

  /** The round matching `where` (the newest, if several) with its pool balance and totals. */
  private async roundRows(where: RawBuilder<unknown>): Promise<RoundRow | undefined> {
    const { rows } = await sql<RoundRow>`
      select r.height, r.block_hash, r.state, r.params, r.opened_at, r.closed_at, r.settled_at,
             r.settlement, coalesce(a.balance_sats, 0) as pool_balance,
             coalesce(v.paid_seconds, 0) as paid_seconds, coalesce(v.viewers, 0) as viewers
      from rounds r
      left join accounts a on a.id = ${POOL_ACCOUNT_PREFIX}::text || r.height
      left join lateral (
        select sum(paid_seconds)::bigint as paid_seconds, count(*) filter (where paid_seconds > 0) as viewers
        from round_viewers where round_height = r.height
      ) v on true
      where ${where}
      order by r.height desc
      limit 1`.execute(this.db)
    return rows[0]
  }

  private async toRoundView(round: RoundRow): Promise<RoundView> {
    const [memes, settlement] = await Promise.all([this.roundMemes(round), this.settlementView(round)])
    const params = parsed<RoundRecordParams>(round.params)
    return {
      height: round.height,
      blockHash: round.block_hash,
      state: round.state,
      openedAt: iso(round.opened_at),
      closedAt: round.closed_at && iso(round.closed_at),
      poolSats: poolSatsOf(round.state, round.settlement, round.pool_balance),
      paidSeconds: round.paid_seconds,
      viewers: round.viewers,
      params: {
        feeBps: params.feeBps,
        directPct: params.directPct,
        creatorPct: params.creatorPct,
        topWeights: [...params.topWeights],
        topSharePct: params.topSharePct,
        viewerSharePct: params.viewerSharePct,
        fastViewers: params.fastViewers,
        qualifySeconds: params.qualifySeconds,
        memesPerRound: params.memesPerRound,
      },
      memes,
      settlement,
    }
  }

  /**
   * The round's own memes, ranked as settlement ranks them; memes nobody paid for follow in slot
   * order.
   */
  private async roundMemes(round: RoundRow): Promise<RoundMemeView[]> {
    const { rows } = await sql<RoundMemeRow>`
      select rm.meme_id, rm.slot, m.title, m.animation, m.stored_sha256, m.stored_ext,
             c.id as creator_id, c.address as creator_address, c.identity_key as creator_identity_key,
             o.id as owner_id, o.address as owner_address, o.identity_key as owner_identity_key,
             coalesce(s.paid_seconds, 0) as paid_seconds, coalesce(s.revenue_sats, 0) as revenue_sats,
             s.reached_seq,
             (select count(*) from round_meme_viewers v
              where v.round_height = rm.round_height and v.meme_id = rm.meme_id) as viewers
      from round_memes rm
      join memes m on m.id = rm.meme_id
      join users c on c.id = m.creator_user_id
      join users o on o.id = m.owner_user_id
      left join round_meme_stats s on s.round_height = rm.round_height and s.meme_id = rm.meme_id
      where rm.round_height = ${round.height}`.execute(this.db)
    return rankRoundMemes(rows).map((r, index) => ({
      memeId: r.meme_id,
      title: r.title,
      slot: r.slot,
      rank: index + 1,
      paidSeconds: r.paid_seconds,
      revenueSats: r.revenue_sats,
      viewers: r.viewers,
      ...memeImages(r),
      creator: personView({
        id: r.creator_id,
        address: r.creator_address,
        identity_key: r.creator_identity_key,
      }),
      owner: personView({ id: r.owner_id, address: r.owner_address, identity_key: r.owner_identity_key }),
    }))
  }

  private async settlementView(round: RoundRow): Promise<SettlementView | null> {
    if (round.state !== 'settled') return null
    const record = settlementRecord(round.settlement)
    assert(round.settled_at !== null, `settled round ${round.height} has a settlement time`)
    return {
      poolSats: record.poolSats,
      rolloverSats: record.rolloverSats,
      rolledInto: record.rolledInto,
      rewards: (await this.rewardCredits(round.height)).map(toRewardView),
      settledAt: iso(round.settled_at),
    }
  }

  /** The settlement credits of round `height` (of one meme, when given), in the order paid. */
  private async rewardCredits(height: number, memeId?: string): Promise<RewardCredit[]> {
    const ofMeme = memeId === undefined ? sql`true` : sql`t.code = ${REWARD_CODES.top} and t.ref = ${memeId}`
    const { rows } = await sql<RewardRow>`
      with line as (
        select user_id, row_number() over (order by qualified_seq) as place
        from round_viewers where round_height = ${height} and qualified_seq is not null
      )
      select t.id, t.code, t.ref, t.amount_sats, u.id as user_id, u.address, u.identity_key,
             m.title, line.place as line_place
      from transfers t
      join users u on u.id = substr(t.credit_account_id, ${USER_ACCOUNT_PREFIX.length + 1})
                  and t.credit_account_id = ${USER_ACCOUNT_PREFIX}::text || u.id
      left join memes m on t.code = ${REWARD_CODES.top} and m.id = t.ref
      left join line on t.code = ${REWARD_CODES.fastViewer} and line.user_id = u.id
      where t.debit_account_id = ${roundPoolAccountId(height)}
        and t.code in (${REWARD_CODES.top}, ${REWARD_CODES.fastViewer})
        and ${ofMeme}
      order by t.seq`.execute(this.db)
    return rows.map((r) => {
      // round:<h>:<reason>:<meme id or account id>:<role or 'viewer'>
      const parts = r.id.split(':')
      const top = r.code === REWARD_CODES.top
      const role = parts[parts.length - 1]
      assert(!top || role === 'creator' || role === 'owner', `reward ${r.id} names its role`)
      return {
        transferId: r.id,
        reason: top ? 'top' : 'fast_viewer',
        memeId: top ? r.ref : null,
        title: top ? r.title : null,
        role: top ? (role as 'creator' | 'owner') : null,
        userId: r.user_id,
        person: personView({ id: r.user_id, address: r.address, identity_key: r.identity_key }),
        amountSats: r.amount_sats,
        place: top ? placeOfReason(parts[2] ?? '') : r.line_place,
      }
    })
  }

  private async earningsMemes(
    userId: string,
    sums: Map<string, { creatorSats: number; ownerSats: number; rewardSats: number }>,
  ): Promise<EarningsMeme[]> {
    if (sums.size === 0) return []
    const rows = await this.db
      .selectFrom('memes')
      .select(['id', 'title', 'animation', 'stored_sha256', 'stored_ext', 'creator_user_id', 'owner_user_id'])
      .where('id', 'in', [...sums.keys()])
      .execute()
    const total = (m: EarningsMeme) => m.creatorSats + m.ownerSats + m.rewardSats
    return rows
      .map((m) => ({
        memeId: m.id,
        title: m.title,
        thumbnailUrl: memeImages(m).thumbnailUrl,
        isCreator: m.creator_user_id === userId,
        isOwner: m.owner_user_id === userId,
        ...sums.get(m.id)!,
      }))
      .sort((a, b) => total(b) - total(a) || (a.memeId < b.memeId ? -1 : 1))
  }
}

function settlementRecord(value: unknown): SettlementRecord {
  const record = parsed<SettlementRecord | null>(value)
  assert(
    record !== null && Number.isSafeInteger(record.poolSats) && typeof record.rolledInto === 'string',
    'a settled round records its settlement',
  )
  return record
}

/** For a settled round, what its pool held at settlement; before that, what it holds now. */
function poolSatsOf(state: RoundState, settlement: unknown, balance: number): number {
  return state === 'settled' ? settlementRecord(settlement).poolSats : balance
}

function earningsField(code: string): 'creatorSats' | 'ownerSats' | 'rewardSats' | 'fastViewerSats' {
  switch (code) {
    case SPLIT_CODES.creator:
      return 'creatorSats'
    case SPLIT_CODES.owner:
      return 'ownerSats'
    case REWARD_CODES.top:
      return 'rewardSats'
    default:
      assert(code === REWARD_CODES.fastViewer, `earnings read only their own codes, got ${code}`)
      return 'fastViewerSats'
  }
}

/** Paid memes first, as settlement ranks them (src/domain/settlement.ts); then unpaid ones by slot. */
function rankRoundMemes(rows: RoundMemeRow[]): RoundMemeRow[] {
  const competing = (r: RoundMemeRow) => ({
    memeId: r.meme_id,
    creatorAccountId: r.creator_id,
    ownerAccountId: r.owner_id,
    paidSeconds: r.paid_seconds,
    reachedAtSeq: r.reached_seq ?? 0,
  })
  return [...rows].sort((a, b) => {
    const aPaid = a.paid_seconds > 0
    const bPaid = b.paid_seconds > 0
    if (aPaid !== bPaid) return aPaid ? -1 : 1
    return aPaid ? compareRank(competing(a), competing(b)) : a.slot - b.slot
  })
}

function toRewardView(credit: RewardCredit): RewardView {
  return {
    reason: credit.reason,
    memeId: credit.memeId,
    role: credit.role,
    person: credit.person,
    amountSats: credit.amountSats,
    place: credit.place,
  }
}

/** Legs in seq order, one entry per (stream, running total): the flush that wrote them. */
function splitEntries(rows: readonly LegRow[], poolRound: number): SplitLogEntry[] {
  const entries = new Map<string, SplitLogEntry>()
  for (const leg of rows) {
    // <stream>@<running total>:<part>
    const flush = leg.id.slice(0, leg.id.lastIndexOf(':'))
    assert(flush.startsWith(`${leg.ref}@`), `split leg ${leg.id} names its stream`)
    let entry = entries.get(flush)
    if (!entry) {
      const ownerUserId = parseViewStreamId(leg.ref)?.ownerUserId ?? ''
      entry = {
        transferIds: [],
        at: iso(leg.created_at),
        totalSats: 0,
        feeSats: 0,
        creatorSats: 0,
        ownerSats: 0,
        poolSats: 0,
        owner: personView({
          id: leg.owner_id ?? ownerUserId,
          address: leg.address,
          identity_key: leg.identity_key,
        }),
        poolRound,
      }
      entries.set(flush, entry)
    }
    entry.transferIds.push(leg.id)
    entry.totalSats += leg.amount_sats
    switch (leg.code) {
      case SPLIT_CODES.fee:
        entry.feeSats += leg.amount_sats
        break
      case SPLIT_CODES.creator:
        entry.creatorSats += leg.amount_sats
        break
      case SPLIT_CODES.owner:
        entry.ownerSats += leg.amount_sats
        break
      default:
        assert(leg.code === SPLIT_CODES.pool, `unknown split part ${leg.code}`)
        entry.poolSats += leg.amount_sats
    }
  }
  return [...entries.values()]
}
