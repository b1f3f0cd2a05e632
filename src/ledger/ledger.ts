/**
 * The double-entry ledger, the only writer of balances (ARCHITECTURE "The money path").
 *
 * Every movement is a transfer from a debit account to a credit account with a positive whole
 * amount and an id the caller made; transfers are never edited, so the sum of all balances is
 * zero at all times. Holds reserve part of a balance for a watch session: postings draw on the
 * hold, the rest is released when it closes or expires. Balances, holds and the database's own
 * check constraints together make a negative balance impossible, also under concurrent writers:
 * every write locks the rows it changes, in id order, before it reads them.
 */
import { type Kysely, sql, type Transaction } from 'kysely'
import type { Database } from '../adapters/db/schema.ts'
import { assert, isPositiveSats, satsFromDb } from '../domain/money.ts'
import {
  addParts,
  assertSplitParams,
  SPLIT_PART_NAMES,
  type SplitParts,
  splitIncrement,
  splitSum,
} from '../domain/split.ts'
import { SYSTEM_ACCOUNTS, VIEW_CLEARING_ACCOUNT } from './accounts.ts'
import type {
  Account,
  AccountSpec,
  HoldInput,
  LedgerResult,
  PostingResult,
  TransferBatchResult,
  TransferInput,
  ViewPosting,
} from './types.ts'

type Trx = Transaction<Database>

/** Named points between the writes of a ledger transaction, where a test can inject a crash. */
export type FaultPoint =
  | 'transfer:beforeCommit'
  | 'hold:beforeCommit'
  | 'post:afterTransfers'
  | 'post:afterHolds'
  | 'post:afterStreams'
  | 'post:beforeCommit'

export interface LedgerOptions {
  now?: () => Date
  /** Called at each fault point inside the transaction; throwing there rolls the transaction back. */
  onFault?: (point: FaultPoint) => void
}

/** PostgreSQL's codes for a transaction that lost a race and may simply be tried again. */
const RETRYABLE_PG_CODES = new Set(['40001', '40P01'])
const MAX_TRANSACTION_ATTEMPTS = 5

interface LockedAccount {
  id: string
  balance: number
  held: number
  allowNegative: boolean
}

interface LockedHold {
  id: string
  accountId: string
  amount: number
  posted: number
  state: string
  expiresAt: Date
}

export class Ledger {
  private readonly now: () => Date
  private readonly onFault: (point: FaultPoint) => void

  constructor(
    private readonly db: Kysely<Database>,
    options: LedgerOptions = {},
  ) {
    this.now = options.now ?? (() => new Date())
    this.onFault = options.onFault ?? (() => {})
  }

  /** Creates the platform's own accounts; safe to call at every start. */
  async init(): Promise<void> {
    await this.ensureAccounts(SYSTEM_ACCOUNTS)
  }

  async ensureAccounts(specs: readonly AccountSpec[]): Promise<void> {
    if (specs.length === 0) return
    await this.db
      .insertInto('accounts')
      .values(specs.map((s) => ({ id: s.id, kind: s.kind, allow_negative: s.allowNegative ?? false })))
      .onConflict((oc) => oc.column('id').doNothing())
      .execute()
  }

  async getAccount(id: string): Promise<Account | undefined> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return undefined
    return {
      id: row.id,
      kind: row.kind,
      balanceSats: row.balance_sats,
      heldSats: row.held_sats,
      availableSats: row.balance_sats - row.held_sats,
      allowNegative: row.allow_negative,
    }
  }

  /** Sum of every balance. Double entry keeps it at zero; the invariant tests read it. */
  async sumOfBalances(): Promise<number> {
    const row = await sql<{ total: string }>`select coalesce(sum(balance_sats), 0)::text as total from accounts`
      .execute(this.db)
      .then((r) => r.rows[0])
    return satsFromDb(row?.total, 'sum of balances')
  }

  /**
   * Applies the transfers all together or not at all (a trade is a buyer's payment and the fee
   * on it: half of it must never happen). Answers 'exists' when every transfer was already
   * recorded with the same fields.
   */
  async transfer(transfers: readonly TransferInput[]): Promise<TransferBatchResult> {
    assert(transfers.length > 0, 'a transfer batch is not empty')
    const invalid = validateTransfers(transfers)
    if (invalid) return invalid
    return this.inTransaction(async (trx) => {
      const existing = await trx
        .selectFrom('transfers')
        .select(['id', 'debit_account_id', 'credit_account_id', 'amount_sats', 'code'])
        .where(
          'id',
          'in',
          transfers.map((t) => t.id),
        )
        .execute()
      if (existing.length > 0) {
        const byId = new Map(existing.map((row) => [row.id, row]))
        const index = transfers.findIndex((t) => {
          const row = byId.get(t.id)
          return (
            !row ||
            row.debit_account_id !== t.debitAccountId ||
            row.credit_account_id !== t.creditAccountId ||
            row.amount_sats !== t.amountSats ||
            row.code !== t.code
          )
        })
        return index === -1 ? { status: 'exists' } : { status: 'exists_with_different_fields', index }
      }

      const accountIds = transfers.flatMap((t) => [t.debitAccountId, t.creditAccountId])
      const accounts = await lockAccounts(trx, accountIds)
      const deltas = new Map<string, number>()
      for (const [index, t] of transfers.entries()) {
        const debit = accounts.get(t.debitAccountId)
        const credit = accounts.get(t.creditAccountId)
        if (!debit || !credit) return { status: 'account_not_found', index }
        const debitBalance = debit.balance + (deltas.get(debit.id) ?? 0)
        if (!debit.allowNegative && debitBalance - debit.held < t.amountSats) {
          return { status: 'insufficient_funds', index }
        }
        deltas.set(debit.id, (deltas.get(debit.id) ?? 0) - t.amountSats)
        deltas.set(credit.id, (deltas.get(credit.id) ?? 0) + t.amountSats)
      }

      await trx
        .insertInto('transfers')
        .values(
          transfers.map((t) => ({
            id: t.id,
            debit_account_id: t.debitAccountId,
            credit_account_id: t.creditAccountId,
            amount_sats: t.amountSats,
            code: t.code,
            ref: t.ref ?? null,
            created_at: this.now(),
          })),
        )
        .execute()
      await applyAccountDeltas(trx, deltas, new Map())
      this.onFault('transfer:beforeCommit')
      return { status: 'ok' }
    })
  }

  /** Reserves part of an account's available balance until the hold is posted, released or expires. */
  async createHold(input: HoldInput): Promise<LedgerResult> {
    if (!isPositiveSats(input.amountSats)) return 'invalid_amount'
    return this.inTransaction(async (trx) => {
      const existing = await trx.selectFrom('holds').selectAll().where('id', '=', input.id).executeTakeFirst()
      if (existing) {
        return existing.account_id === input.accountId && existing.amount_sats === input.amountSats
          ? 'exists'
          : 'exists_with_different_fields'
      }
      const account = (await lockAccounts(trx, [input.accountId])).get(input.accountId)
      if (!account) return 'account_not_found'
      if (!account.allowNegative && account.balance - account.held < input.amountSats) return 'insufficient_funds'
      await trx
        .insertInto('holds')
        .values({
          id: input.id,
          account_id: input.accountId,
          amount_sats: input.amountSats,
          expires_at: input.expiresAt,
          created_at: this.now(),
        })
        .execute()
      await applyAccountDeltas(trx, new Map(), new Map([[input.accountId, input.amountSats]]))
      this.onFault('hold:beforeCommit')
      return 'ok'
    })
  }

  /** Adds to an open hold (a watch session that runs past its first reservation). */
  async extendHold(holdId: string, addSats: number, expiresAt: Date): Promise<LedgerResult> {
    if (!isPositiveSats(addSats)) return 'invalid_amount'
    return this.inTransaction(async (trx) => {
      const hold = (await lockHolds(trx, [holdId])).get(holdId)
      if (!hold) return 'hold_not_found'
      if (hold.state !== 'open') return 'hold_closed'
      if (hold.expiresAt <= this.now()) return 'hold_expired'
      const account = (await lockAccounts(trx, [hold.accountId])).get(hold.accountId)
      assert(account, 'a hold belongs to an existing account')
      if (!account.allowNegative && account.balance - account.held < addSats) return 'insufficient_funds'
      await trx
        .updateTable('holds')
        .set({ amount_sats: hold.amount + addSats, expires_at: expiresAt })
        .where('id', '=', holdId)
        .execute()
      await applyAccountDeltas(trx, new Map(), new Map([[hold.accountId, addSats]]))
      return 'ok'
    })
  }

  /**
   * Ends a hold and frees what was not posted. `closed` is the normal end of a session,
   * `voided` a cancellation, `expired` the sweeper's doing; all three release the same way.
   */
  async releaseHold(holdId: string, state: 'closed' | 'voided' | 'expired' = 'closed'): Promise<LedgerResult> {
    return this.inTransaction(async (trx) => {
      const hold = (await lockHolds(trx, [holdId])).get(holdId)
      if (!hold) return 'hold_not_found'
      if (hold.state !== 'open') return hold.state === state ? 'exists' : 'hold_closed'
      await this.release(trx, [hold], state)
      return 'ok'
    })
  }

  /** Releases every open hold whose time is up. Returns how many it released. */
  async expireHolds(): Promise<number> {
    return this.inTransaction(async (trx) => {
      const due = await trx
        .selectFrom('holds')
        .select('id')
        .where('state', '=', 'open')
        .where('expires_at', '<=', this.now())
        .orderBy('id')
        .execute()
      if (due.length === 0) return 0
      const holds = [...(await lockHolds(trx, due.map((h) => h.id))).values()].filter((h) => h.state === 'open')
      await this.release(trx, holds, 'expired')
      return holds.length
    })
  }

  private async release(trx: Trx, holds: LockedHold[], state: 'closed' | 'voided' | 'expired'): Promise<void> {
    const heldDeltas = new Map<string, number>()
    for (const hold of holds) {
      const remaining = hold.amount - hold.posted
      assert(remaining >= 0, 'a hold never posts more than it holds')
      heldDeltas.set(hold.accountId, (heldDeltas.get(hold.accountId) ?? 0) - remaining)
    }
    await lockAccounts(trx, [...heldDeltas.keys()])
    await trx
      .updateTable('holds')
      .set({ state, closed_at: this.now() })
      .where(
        'id',
        'in',
        holds.map((h) => h.id),
      )
      .execute()
    await applyAccountDeltas(trx, new Map(), heldDeltas)
  }

  /**
   * Posts many view charges in one database transaction with multi-row statements: each
   * posting moves its amount from the viewer (out of the hold) to the view clearing account,
   * and each stream's increase is split by cumulative rounding from the clearing account to the
   * platform fee, creator, owner and pool accounts. Results come back in input order; a posting
   * already recorded answers 'exists' and is not charged again.
   */
  async postViewSeconds(postings: readonly ViewPosting[]): Promise<PostingResult[]> {
    if (postings.length === 0) return []
    for (const p of postings) assertSplitParams(p.split.params)
    return this.inTransaction(async (trx) => {
      const plan = await planPostings(trx, postings, this.now())
      if (plan.accepted.length === 0) return plan.results

      await insertPostingTransfers(trx, plan.accepted, plan.holds, this.now())
      this.onFault('post:afterTransfers')
      await addToHolds(trx, plan.postedByHold)
      this.onFault('post:afterHolds')
      const legs = await advanceStreams(trx, plan.accepted, this.now())
      this.onFault('post:afterStreams')

      const balanceDeltas = new Map<string, number>()
      const heldDeltas = new Map<string, number>()
      for (const [holdId, amount] of plan.postedByHold) {
        const accountId = plan.holds.get(holdId)!.accountId
        balanceDeltas.set(accountId, (balanceDeltas.get(accountId) ?? 0) - amount)
        heldDeltas.set(accountId, (heldDeltas.get(accountId) ?? 0) - amount)
      }
      let legTotal = 0
      for (const leg of legs) {
        balanceDeltas.set(leg.accountId, (balanceDeltas.get(leg.accountId) ?? 0) + leg.amount)
        legTotal += leg.amount
      }
      const postedTotal = plan.accepted.reduce((sum, p) => sum + p.amountSats, 0)
      assert(legTotal === postedTotal, 'the splits of a batch add up to what the batch charged')
      await lockAccounts(trx, [...balanceDeltas.keys()])
      await applyAccountDeltas(trx, balanceDeltas, heldDeltas)
      this.onFault('post:beforeCommit')
      return plan.results
    })
  }

  private async inTransaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(work)
      } catch (error) {
        const code = (error as { code?: unknown }).code
        if (attempt >= MAX_TRANSACTION_ATTEMPTS || typeof code !== 'string' || !RETRYABLE_PG_CODES.has(code)) {
          throw error
        }
      }
    }
  }
}

function validateTransfers(transfers: readonly TransferInput[]): TransferBatchResult | undefined {
  const seen = new Set<string>()
  for (const [index, t] of transfers.entries()) {
    if (!isPositiveSats(t.amountSats)) return { status: 'invalid_amount', index }
    if (t.debitAccountId === t.creditAccountId) return { status: 'same_account', index }
    if (seen.has(t.id)) return { status: 'exists_with_different_fields', index }
    seen.add(t.id)
  }
  return undefined
}

/** Locks the accounts in id order (so concurrent writers never deadlock) and returns them. */
async function lockAccounts(trx: Trx, ids: readonly string[]): Promise<Map<string, LockedAccount>> {
  const unique = [...new Set(ids)].sort()
  if (unique.length === 0) return new Map()
  const rows = await sql<{ id: string; balance_sats: number; held_sats: number; allow_negative: boolean }>`
    select id, balance_sats, held_sats, allow_negative from accounts
    where id = any(${unique}::text[]) order by id for update`.execute(trx)
  return new Map(
    rows.rows.map((r) => [
      r.id,
      { id: r.id, balance: r.balance_sats, held: r.held_sats, allowNegative: r.allow_negative },
    ]),
  )
}

async function lockHolds(trx: Trx, ids: readonly string[]): Promise<Map<string, LockedHold>> {
  const unique = [...new Set(ids)].sort()
  if (unique.length === 0) return new Map()
  const rows = await sql<{
    id: string
    account_id: string
    amount_sats: number
    posted_sats: number
    state: string
    expires_at: Date
  }>`select id, account_id, amount_sats, posted_sats, state, expires_at from holds
     where id = any(${unique}::text[]) order by id for update`.execute(trx)
  return new Map(
    rows.rows.map((r) => [
      r.id,
      {
        id: r.id,
        accountId: r.account_id,
        amount: r.amount_sats,
        posted: r.posted_sats,
        state: r.state,
        expiresAt: new Date(r.expires_at),
      },
    ]),
  )
}

/** Adds balance and held deltas to accounts that the caller has locked. One statement. */
async function applyAccountDeltas(
  trx: Trx,
  balanceDeltas: ReadonlyMap<string, number>,
  heldDeltas: ReadonlyMap<string, number>,
): Promise<void> {
  const ids = [...new Set([...balanceDeltas.keys(), ...heldDeltas.keys()])].sort()
  const changed = ids.filter((id) => (balanceDeltas.get(id) ?? 0) !== 0 || (heldDeltas.get(id) ?? 0) !== 0)
  if (changed.length === 0) return
  const result = await sql`
    update accounts a
    set balance_sats = a.balance_sats + d.balance_delta, held_sats = a.held_sats + d.held_delta
    from unnest(${changed}::text[], ${changed.map((id) => balanceDeltas.get(id) ?? 0)}::bigint[],
                ${changed.map((id) => heldDeltas.get(id) ?? 0)}::bigint[]) as d(id, balance_delta, held_delta)
    where a.id = d.id`.execute(trx)
  assert(Number(result.numAffectedRows) === changed.length, 'every account the ledger writes to exists')
}

interface PostingPlan {
  results: PostingResult[]
  accepted: ViewPosting[]
  holds: Map<string, LockedHold>
  postedByHold: Map<string, number>
}

/** Decides, under the holds' row locks, which postings can be charged. No writes. */
async function planPostings(trx: Trx, postings: readonly ViewPosting[], now: Date): Promise<PostingPlan> {
  const ids = postings.map((p) => p.id)
  const existing = await sql<{ id: string; hold_id: string | null; amount_sats: number; ref: string | null }>`
    select id, hold_id, amount_sats, ref from transfers where id = any(${ids}::text[])`.execute(trx)
  const recorded = new Map(existing.rows.map((r) => [r.id, r]))
  const holds = await lockHolds(
    trx,
    postings.map((p) => p.holdId),
  )

  const results: PostingResult[] = []
  const accepted: ViewPosting[] = []
  const postedByHold = new Map<string, number>()
  const inBatch = new Map<string, ViewPosting>()
  for (const p of postings) {
    const previous = recorded.get(p.id) ?? inBatch.get(p.id)
    if (previous) {
      const same =
        'ref' in previous
          ? previous.hold_id === p.holdId && previous.amount_sats === p.amountSats && previous.ref === p.streamId
          : previous.holdId === p.holdId && previous.amountSats === p.amountSats && previous.streamId === p.streamId
      results.push(same ? 'exists' : 'exists_with_different_fields')
      continue
    }
    const result = checkPosting(p, holds.get(p.holdId), postedByHold, now)
    results.push(result)
    if (result !== 'ok') continue
    inBatch.set(p.id, p)
    accepted.push(p)
    postedByHold.set(p.holdId, (postedByHold.get(p.holdId) ?? 0) + p.amountSats)
  }
  return { results, accepted, holds, postedByHold }
}

function checkPosting(
  p: ViewPosting,
  hold: LockedHold | undefined,
  postedByHold: ReadonlyMap<string, number>,
  now: Date,
): PostingResult {
  if (!isPositiveSats(p.amountSats)) return 'invalid_amount'
  if (!hold) return 'hold_not_found'
  if (hold.state !== 'open') return 'hold_closed'
  if (hold.expiresAt <= now) return 'hold_expired'
  const remaining = hold.amount - hold.posted - (postedByHold.get(hold.id) ?? 0)
  return remaining >= p.amountSats ? 'ok' : 'hold_exceeded'
}

async function insertPostingTransfers(
  trx: Trx,
  accepted: readonly ViewPosting[],
  holds: ReadonlyMap<string, LockedHold>,
  now: Date,
): Promise<void> {
  const result = await sql`
    insert into transfers (id, debit_account_id, credit_account_id, amount_sats, code, hold_id, ref, created_at)
    select p.id, p.debit, ${VIEW_CLEARING_ACCOUNT}, p.amount, 'view', p.hold_id, p.stream_id, ${now}
    from unnest(${accepted.map((p) => p.id)}::text[],
                ${accepted.map((p) => holds.get(p.holdId)!.accountId)}::text[],
                ${accepted.map((p) => p.amountSats)}::bigint[],
                ${accepted.map((p) => p.holdId)}::text[],
                ${accepted.map((p) => p.streamId)}::text[]) as p(id, debit, amount, hold_id, stream_id)`.execute(trx)
  assert(Number(result.numAffectedRows) === accepted.length, 'every accepted posting is recorded once')
}

async function addToHolds(trx: Trx, postedByHold: ReadonlyMap<string, number>): Promise<void> {
  const ids = [...postedByHold.keys()].sort()
  await sql`
    update holds h set posted_sats = h.posted_sats + d.amount
    from unnest(${ids}::text[], ${ids.map((id) => postedByHold.get(id)!)}::bigint[]) as d(id, amount)
    where h.id = d.id`.execute(trx)
}

interface Leg {
  id: string
  accountId: string
  amount: number
  part: (typeof SPLIT_PART_NAMES)[number]
  streamId: string
}

/**
 * Moves each stream's running split forward by what the batch charged it, and records the
 * credits as transfers out of the clearing account. A leg's id is the stream and its new total,
 * which no other batch can produce.
 */
async function advanceStreams(trx: Trx, accepted: readonly ViewPosting[], now: Date): Promise<Leg[]> {
  const byStream = new Map<string, { amount: number; posting: ViewPosting }>()
  for (const p of accepted) {
    const entry = byStream.get(p.streamId)
    if (entry) {
      assert(sameDestination(entry.posting, p), `all postings of stream ${p.streamId} share one destination`)
      entry.amount += p.amountSats
    } else {
      byStream.set(p.streamId, { amount: p.amountSats, posting: p })
    }
  }
  const streamIds = [...byStream.keys()].sort()
  await sql`insert into split_streams (id) select id from unnest(${streamIds}::text[]) as s(id)
            on conflict (id) do nothing`.execute(trx)
  const rows = await sql<{ id: string; fee_sats: number; creator_sats: number; owner_sats: number; pool_sats: number }>`
    select id, fee_sats, creator_sats, owner_sats, pool_sats from split_streams
    where id = any(${streamIds}::text[]) order by id for update`.execute(trx)
  const before = new Map<string, SplitParts>(
    rows.rows.map((r) => [r.id, { fee: r.fee_sats, creator: r.creator_sats, owner: r.owner_sats, pool: r.pool_sats }]),
  )

  const legs: Leg[] = []
  const after: SplitParts[] = []
  for (const streamId of streamIds) {
    const { amount, posting } = byStream.get(streamId)!
    const held = before.get(streamId)
    assert(held !== undefined, 'a stream row exists once inserted')
    const credit = splitIncrement(held, amount, posting.split.params)
    const next = addParts(held, credit)
    after.push(next)
    const total = splitSum(next)
    const destination = {
      fee: posting.split.feeAccountId,
      creator: posting.split.creatorAccountId,
      owner: posting.split.ownerAccountId,
      pool: posting.split.poolAccountId,
    }
    for (const part of SPLIT_PART_NAMES) {
      if (credit[part] > 0) {
        legs.push({ id: `${streamId}@${total}:${part}`, accountId: destination[part], amount: credit[part], part, streamId })
      }
    }
  }
  await sql`update split_streams s
            set fee_sats = d.fee, creator_sats = d.creator, owner_sats = d.owner, pool_sats = d.pool
            from unnest(${streamIds}::text[], ${after.map((a) => a.fee)}::bigint[], ${after.map((a) => a.creator)}::bigint[],
                        ${after.map((a) => a.owner)}::bigint[], ${after.map((a) => a.pool)}::bigint[])
                 as d(id, fee, creator, owner, pool)
            where s.id = d.id`.execute(trx)
  await sql`
    insert into transfers (id, debit_account_id, credit_account_id, amount_sats, code, ref, created_at)
    select l.id, ${VIEW_CLEARING_ACCOUNT}, l.account, l.amount, 'split.' || l.part, l.stream_id, ${now}
    from unnest(${legs.map((l) => l.id)}::text[], ${legs.map((l) => l.accountId)}::text[],
                ${legs.map((l) => l.amount)}::bigint[], ${legs.map((l) => l.part)}::text[],
                ${legs.map((l) => l.streamId)}::text[]) as l(id, account, amount, part, stream_id)`.execute(trx)
  return legs
}

function sameDestination(a: ViewPosting, b: ViewPosting): boolean {
  return (
    a.split.feeAccountId === b.split.feeAccountId &&
    a.split.creatorAccountId === b.split.creatorAccountId &&
    a.split.ownerAccountId === b.split.ownerAccountId &&
    a.split.poolAccountId === b.split.poolAccountId &&
    a.split.params.feeBps === b.split.params.feeBps &&
    a.split.params.directPct === b.split.params.directPct &&
    a.split.params.creatorPct === b.split.params.creatorPct
  )
}
