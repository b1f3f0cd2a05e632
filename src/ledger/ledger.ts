/**
 * The double-entry ledger, the only writer of balances (ARCHITECTURE "The money path").
 *
 * Every movement is a transfer from a debit account to a credit account with a positive whole
 * amount and an id the caller made; transfers are never edited, so the sum of all account rows
 * is zero at all times. The database's check constraints make a negative balance impossible for
 * every account but the platform's clearing accounts, also under concurrent writers: each write
 * locks the rows it changes, in id order, before it reads them.
 *
 * Holds reserve part of a balance for a watch session (a pending transfer). Billing posts
 * from a hold every flush: the hold row counts what was posted, and each meme's split is
 * credited at once from the view clearing account. The viewer's account row is settled when
 * the hold ends, by one transfer of everything posted. So a flush writes one narrow row per
 * viewer, and a viewer's balance is the account row less what its open holds have posted
 * (getAccount does that sum). The clearing account runs negative by exactly the posted total of
 * open holds, which `openPostedSats` reports for the invariant checks.
 *
 * A hold also reserves a marketplace offer's price; such a hold posts nothing, and when the
 * offer is accepted `captureHold` closes it and pays the trade from it in one transaction.
 */
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely'
import { bigintArray, textArray } from '../adapters/db/arrays.ts'
import type { Database, HoldsTable } from '../adapters/db/schema.ts'
import { assert, isPositiveSats, satsFromDb } from '../domain/money.ts'
import { assertSplitParams } from '../domain/split.ts'
import { SYSTEM_ACCOUNTS, VIEW_CLEARING_ACCOUNT } from './accounts.ts'
import { advanceStreams } from './streams.ts'
import type {
  Account,
  AccountSpec,
  Hold,
  HoldInput,
  LedgerFailure,
  LedgerResult,
  PostingResult,
  TransferBatchResult,
  TransferInput,
  TransferRecordRow,
  ViewPosting,
} from './types.ts'

export type Trx = Transaction<Database>

/** What captureHold answers: a transfer batch's outcome, or why the hold could not be spent. */
export type CaptureResult =
  | TransferBatchResult
  | { status: 'hold_not_found' | 'hold_closed' | 'hold_expired' }

/** Named points between the writes of a ledger transaction, where a test can inject a crash. */
export type FaultPoint =
  | 'transfer:beforeCommit'
  | 'hold:beforeCommit'
  | 'release:beforeCommit'
  | 'post:afterHolds'
  | 'post:afterStreams'
  | 'post:beforeCommit'
  | 'capture:beforeCommit'

export interface LedgerOptions {
  now?: () => Date
  /** Called at each fault point inside the transaction; throwing there rolls the transaction back. */
  onFault?: (point: FaultPoint) => void
}

/** PostgreSQL's codes for a transaction that lost a race and may simply be tried again. */
const RETRYABLE_PG_CODES = new Set(['40001', '40P01'])
const UNIQUE_VIOLATION = '23505'

/**
 * A lost race: a serialisation failure or deadlock, or another writer committing a transfer with
 * the same id between our look and our insert. Tried again, the latter answers 'exists' (or
 * 'exists_with_different_fields') like any retry.
 */
function isRetryable(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown }
  if (typeof code !== 'string') return false
  return RETRYABLE_PG_CODES.has(code) || (code === UNIQUE_VIOLATION && constraint === 'transfers_pkey')
}
const MAX_TRANSACTION_ATTEMPTS = 5

interface LockedAccount {
  id: string
  balance: number
  held: number
  allowNegative: boolean
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

  /** An account as its owner sees it: postings of open holds already count against the balance. */
  async getAccount(id: string): Promise<Account | undefined> {
    const row = await sql<{
      id: string
      kind: string
      balance_sats: number
      held_sats: number
      allow_negative: boolean
      open_posted: string
    }>`
      select a.id, a.kind, a.balance_sats, a.held_sats, a.allow_negative,
             coalesce((select sum(h.posted_sats) from holds h where h.account_id = a.id and h.state = 'open'), 0)::text as open_posted
      from accounts a where a.id = ${id}`
      .execute(this.db)
      .then((r) => r.rows[0])
    if (!row) return undefined
    const openPosted = satsFromDb(row.open_posted)
    return {
      id: row.id,
      kind: row.kind,
      balanceSats: row.balance_sats - openPosted,
      heldSats: row.held_sats - openPosted,
      availableSats: row.balance_sats - row.held_sats,
      allowNegative: row.allow_negative,
    }
  }

  async getHold(id: string): Promise<Hold | undefined> {
    const row = await this.db.selectFrom('holds').selectAll().where('id', '=', id).executeTakeFirst()
    return row && toHold(row)
  }

  /**
   * Transfers touching `accountId`, newest first: the account's history. `codes` keeps only those
   * kinds of movement (or, with `excludeCodes`, all but them); `beforeSeq` pages back.
   */
  async transfersOf(
    accountId: string,
    filter: {
      codes?: readonly string[]
      excludeCodes?: readonly string[]
      beforeSeq?: number
      limit: number
    },
  ): Promise<TransferRecordRow[]> {
    let query = this.db
      .selectFrom('transfers')
      .select([
        'id',
        'seq',
        'debit_account_id',
        'credit_account_id',
        'amount_sats',
        'code',
        'ref',
        'created_at',
      ])
      .where((eb) => eb.or([eb('debit_account_id', '=', accountId), eb('credit_account_id', '=', accountId)]))
    if (filter.codes) query = query.where('code', 'in', [...filter.codes])
    if (filter.excludeCodes) query = query.where('code', 'not in', [...filter.excludeCodes])
    if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq)
    const rows = await query.orderBy('seq', 'desc').limit(filter.limit).execute()
    return rows.map((r) => ({
      id: r.id,
      seq: r.seq,
      debitAccountId: r.debit_account_id,
      creditAccountId: r.credit_account_id,
      amountSats: r.amount_sats,
      code: r.code,
      ref: r.ref,
      createdAt: new Date(r.created_at),
    }))
  }

  /** Sum of every account row. Double entry keeps it at zero; the invariant tests read it. */
  async sumOfBalances(): Promise<number> {
    const result = await sql<{
      total: string
    }>`select coalesce(sum(balance_sats), 0)::text as total from accounts`.execute(this.db)
    return satsFromDb(result.rows[0]?.total, 'sum of balances')
  }

  /** What open holds have posted and not yet settled; the view clearing account is short by this. */
  async openPostedSats(): Promise<number> {
    const result = await sql<{ total: string }>`
      select coalesce(sum(posted_sats), 0)::text as total from holds where state = 'open'`.execute(this.db)
    return satsFromDb(result.rows[0]?.total, 'open postings')
  }

  /**
   * Applies the transfers all together or not at all (a trade is a buyer's payment and the fee
   * on it: half of it must never happen). Answers 'exists' when every transfer was already
   * recorded with the same fields.
   *
   * `alsoWrite` runs inside the same database transaction once the transfers are written (not on
   * 'exists' or a failure), so a service's own row, such as a withdrawal, commits with its money
   * or not at all. If it throws, nothing is written.
   */
  async transfer(
    transfers: readonly TransferInput[],
    alsoWrite?: (trx: Trx) => Promise<void>,
  ): Promise<TransferBatchResult> {
    assert(transfers.length > 0, 'a transfer batch is not empty')
    const invalid = validateTransfers(transfers)
    if (invalid) return invalid
    return this.inTransaction(async (trx) => {
      const known = await findRecorded(trx, transfers)
      if (known) return known

      const accounts = await lockAccounts(
        trx,
        transfers.flatMap((t) => [t.debitAccountId, t.creditAccountId]),
      )
      // A concurrent writer of the same transfers may have committed while we waited for the
      // locks: its balances are what we read now, so its transfers must count as ours ('exists'),
      // not as a payment the new balance cannot cover.
      const recordedMeanwhile = await findRecorded(trx, transfers)
      if (recordedMeanwhile) return recordedMeanwhile
      const judged = judgeTransfers(accounts, transfers)
      if ('status' in judged) return judged
      await insertTransfers(trx, transfers, this.now())
      await applyAccountDeltas(trx, judged.deltas, new Map())
      await alsoWrite?.(trx)
      this.onFault('transfer:beforeCommit')
      return { status: 'ok' }
    })
  }

  /**
   * Spends an open hold: in one transaction the hold is closed, what it reserved is freed, and
   * the transfers are applied as `transfer` would apply them, so reserved money moves to its
   * destination without ever becoming spendable in between (a marketplace offer, accepted).
   * Only a hold that has posted nothing can be captured; watch holds end through releaseHold.
   *
   * A retry answers 'exists' once every transfer is recorded. A hold that is missing, no longer
   * open or expired answers hold_not_found, hold_closed or hold_expired and moves nothing.
   * `alsoWrite` runs in the same transaction after the transfers; if it throws, nothing is written.
   */
  async captureHold(
    holdId: string,
    transfers: readonly TransferInput[],
    alsoWrite?: (trx: Trx) => Promise<void>,
  ): Promise<CaptureResult> {
    assert(transfers.length > 0, 'a capture moves something')
    const invalid = validateTransfers(transfers)
    if (invalid) return invalid
    return this.inTransaction(async (trx) => {
      // Holds before accounts, as releaseHold and extendHold lock them.
      const hold = await lockHold(trx, holdId)
      const known = await findRecorded(trx, transfers)
      if (known) return known
      if (!hold) return { status: 'hold_not_found' }
      if (hold.state !== 'open') return { status: 'hold_closed' }
      if (hold.expiresAt <= this.now()) return { status: 'hold_expired' }
      assert(hold.postedSats === 0, `hold ${holdId} has posted nothing and can be captured`)
      const accounts = await lockAccounts(trx, [
        hold.accountId,
        ...transfers.flatMap((t) => [t.debitAccountId, t.creditAccountId]),
      ])
      const owner = accounts.get(hold.accountId)
      assert(owner, 'a hold belongs to an existing account')
      // The transfers are judged against the balance with this hold's reservation freed.
      accounts.set(owner.id, { ...owner, held: owner.held - hold.amountSats })
      const judged = judgeTransfers(accounts, transfers)
      if ('status' in judged) return judged
      await trx
        .updateTable('holds')
        .set({ state: 'closed', closed_at: this.now() })
        .where('id', '=', holdId)
        .execute()
      await insertTransfers(trx, transfers, this.now())
      await applyAccountDeltas(trx, judged.deltas, new Map([[hold.accountId, -hold.amountSats]]))
      await alsoWrite?.(trx)
      this.onFault('capture:beforeCommit')
      return { status: 'ok' }
    })
  }

  /**
   * Reserves part of an account's available balance until the hold is released or expires.
   * `alsoWrite` runs in the same transaction once the hold is written (not on 'exists' or a
   * refusal), so a service's row that the hold pays for (a marketplace offer) exists exactly
   * when the hold does. If it throws, nothing is written.
   */
  async createHold(input: HoldInput, alsoWrite?: (trx: Trx) => Promise<void>): Promise<LedgerResult> {
    const [result] = await this.createHolds([input], alsoWrite)
    return result!
  }

  /**
   * createHold for many holds in one transaction (a crowd starting to watch). Each input is
   * judged as createHold would, in order, so two holds of one account cannot together take more
   * than it has available. `alsoWrite` gets the holds written, in input order, when there are
   * any; if it throws, nothing is written. Results come back in input order.
   */
  async createHolds(
    inputs: readonly HoldInput[],
    alsoWrite?: (trx: Trx, created: readonly HoldInput[]) => Promise<void>,
  ): Promise<LedgerResult[]> {
    const results: LedgerResult[] = inputs.map((i) =>
      isPositiveSats(i.amountSats) ? 'ok' : 'invalid_amount',
    )
    if (!results.includes('ok')) return results
    return this.inTransaction(async (trx) => {
      const final = [...results]
      const ids = [...new Set(inputs.map((i) => i.id))]
      const existing = await sql<Pick<Selectable<HoldsTable>, 'id' | 'account_id' | 'amount_sats'>>`
        select id, account_id, amount_sats from holds where id = any(${textArray(ids)}::text[])`.execute(trx)
      const known = new Map<string, { accountId: string; amountSats: number }>(
        existing.rows.map((r) => [r.id, { accountId: r.account_id, amountSats: r.amount_sats }]),
      )
      const accounts = await lockAccounts(trx, [...new Set(inputs.map((i) => i.accountId))])
      const heldDeltas = new Map<string, number>()
      const created: HoldInput[] = []
      for (const [index, input] of inputs.entries()) {
        if (final[index] !== 'ok') continue
        const same = known.get(input.id)
        const account = accounts.get(input.accountId)
        if (same) {
          final[index] =
            same.accountId === input.accountId && same.amountSats === input.amountSats
              ? 'exists'
              : 'exists_with_different_fields'
        } else if (!account) final[index] = 'account_not_found'
        else if (!canHold(account, heldDeltas, input.amountSats)) final[index] = 'insufficient_funds'
        else {
          addTo(heldDeltas, account.id, input.amountSats)
          known.set(input.id, input)
          created.push(input)
        }
      }
      if (created.length === 0) return final
      const createdAt = this.now()
      await trx
        .insertInto('holds')
        .values(
          created.map((h) => ({
            id: h.id,
            account_id: h.accountId,
            amount_sats: h.amountSats,
            expires_at: h.expiresAt,
            created_at: createdAt,
          })),
        )
        .execute()
      await applyAccountDeltas(trx, new Map(), heldDeltas)
      await alsoWrite?.(trx, created)
      this.onFault('hold:beforeCommit')
      return final
    })
  }

  /** Adds to an open hold (a watch session that runs past its first reservation) and moves its expiry. */
  async extendHold(holdId: string, addSats: number, expiresAt: Date): Promise<LedgerResult> {
    if (!isPositiveSats(addSats)) return 'invalid_amount'
    return this.inTransaction(async (trx) => {
      const hold = await lockHold(trx, holdId)
      if (!hold) return 'hold_not_found'
      if (hold.state !== 'open') return 'hold_closed'
      if (hold.expiresAt <= this.now()) return 'hold_expired'
      const account = (await lockAccounts(trx, [hold.accountId])).get(hold.accountId)
      assert(account, 'a hold belongs to an existing account')
      if (!canHold(account, new Map(), addSats)) return 'insufficient_funds'
      await trx
        .updateTable('holds')
        .set({ amount_sats: hold.amountSats + addSats, expires_at: expiresAt })
        .where('id', '=', holdId)
        .execute()
      await applyAccountDeltas(trx, new Map(), new Map([[hold.accountId, addSats]]))
      return 'ok'
    })
  }

  /**
   * extendHold for many holds in one transaction (the top-ups of a billing flush). Each item is
   * judged as extendHold would, in order, so two holds of one account cannot together take more
   * than it has available. Results come back in input order.
   */
  async extendHolds(
    items: ReadonlyArray<{ holdId: string; addSats: number; expiresAt: Date }>,
  ): Promise<LedgerResult[]> {
    const results: LedgerResult[] = items.map((i) => (isPositiveSats(i.addSats) ? 'ok' : 'invalid_amount'))
    if (!results.includes('ok')) return results
    return this.inTransaction(async (trx) => {
      const final = [...results]
      const ids = [...new Set(items.map((i) => i.holdId))].sort()
      const rows = await sql<Selectable<HoldsTable>>`
        select * from holds where id = any(${textArray(ids)}::text[]) order by id for update`.execute(trx)
      const holds = new Map(rows.rows.map((r) => [r.id, toHold(r)]))
      const accounts = await lockAccounts(trx, [...new Set([...holds.values()].map((h) => h.accountId))])
      const heldDeltas = new Map<string, number>()
      const updates = new Map<string, { add: number; expiresAt: Date }>()
      for (const [index, item] of items.entries()) {
        if (final[index] !== 'ok') continue
        const hold = holds.get(item.holdId)
        if (!hold) final[index] = 'hold_not_found'
        else if (hold.state !== 'open') final[index] = 'hold_closed'
        else if (hold.expiresAt <= this.now()) final[index] = 'hold_expired'
        else {
          const account = accounts.get(hold.accountId)
          assert(account, 'a hold belongs to an existing account')
          if (!canHold(account, heldDeltas, item.addSats)) final[index] = 'insufficient_funds'
          else {
            addTo(heldDeltas, hold.accountId, item.addSats)
            const previous = updates.get(hold.id)
            updates.set(hold.id, { add: (previous?.add ?? 0) + item.addSats, expiresAt: item.expiresAt })
          }
        }
      }
      if (updates.size > 0) {
        const holdIds = [...updates.keys()]
        await sql`
          update holds h set amount_sats = h.amount_sats + d.add, expires_at = d.expires_at
          from unnest(${textArray(holdIds)}::text[], ${bigintArray(holdIds.map((id) => updates.get(id)!.add))}::bigint[],
                      ${holdIds.map((id) => updates.get(id)!.expiresAt.toISOString())}::timestamptz[]) as d(id, add, expires_at)
          where h.id = d.id`.execute(trx)
        await applyAccountDeltas(trx, new Map(), heldDeltas)
      }
      return final
    })
  }

  /**
   * Ends a hold: what it posted is settled from the account by one transfer, and the rest is
   * freed. `closed` is the normal end of a session, `voided` a cancellation, `expired` the
   * sweeper's doing; all three settle the same way. A second release answers 'exists'.
   */
  async releaseHold(
    holdId: string,
    state: 'closed' | 'voided' | 'expired' = 'closed',
  ): Promise<LedgerResult> {
    const [result] = await this.releaseHolds([holdId], state)
    return result!
  }

  /** releaseHold for many holds in one transaction (the sessions a flush ends). Results in input order. */
  async releaseHolds(
    holdIds: readonly string[],
    state: 'closed' | 'voided' | 'expired' = 'closed',
  ): Promise<LedgerResult[]> {
    if (holdIds.length === 0) return []
    return this.inTransaction(async (trx) => {
      const ids = [...new Set(holdIds)].sort()
      const rows = await sql<Selectable<HoldsTable>>`
        select * from holds where id = any(${textArray(ids)}::text[]) order by id for update`.execute(trx)
      const holds = new Map(rows.rows.map((r) => [r.id, toHold(r)]))
      const open = [...holds.values()].filter((h) => h.state === 'open')
      if (open.length > 0) {
        await this.settle(trx, open, state)
        this.onFault('release:beforeCommit')
      }
      const released = new Set<string>()
      return holdIds.map((id): LedgerResult => {
        const hold = holds.get(id)
        if (!hold) return 'hold_not_found'
        if (hold.state === 'open' && !released.has(id)) {
          released.add(id)
          return 'ok'
        }
        return (hold.state === 'open' ? state : hold.state) === state ? 'exists' : 'hold_closed'
      })
    })
  }

  /** Releases every open hold whose time is up. Returns how many it released. */
  async expireHolds(): Promise<number> {
    return this.inTransaction(async (trx) => {
      const due = await sql<Selectable<HoldsTable>>`
        select * from holds where state = 'open' and expires_at <= ${this.now()} order by id for update`.execute(
        trx,
      )
      const holds = due.rows.map(toHold)
      if (holds.length > 0) await this.settle(trx, holds, 'expired')
      return holds.length
    })
  }

  private async settle(trx: Trx, holds: Hold[], state: 'closed' | 'voided' | 'expired'): Promise<void> {
    const balanceDeltas = new Map<string, number>()
    const heldDeltas = new Map<string, number>()
    const settlements: TransferInput[] = []
    for (const hold of holds) {
      assert(hold.postedSats <= hold.amountSats, 'a hold never posts more than it holds')
      addTo(heldDeltas, hold.accountId, -hold.amountSats)
      if (hold.postedSats > 0) {
        addTo(balanceDeltas, hold.accountId, -hold.postedSats)
        addTo(balanceDeltas, VIEW_CLEARING_ACCOUNT, hold.postedSats)
        settlements.push({
          id: `${hold.id}:settled`,
          debitAccountId: hold.accountId,
          creditAccountId: VIEW_CLEARING_ACCOUNT,
          amountSats: hold.postedSats,
          code: 'view',
          ref: hold.id,
        })
      }
    }
    await lockAccounts(trx, [...balanceDeltas.keys(), ...heldDeltas.keys()])
    await trx
      .updateTable('holds')
      .set({ state, closed_at: this.now() })
      .where(
        'id',
        'in',
        holds.map((h) => h.id),
      )
      .execute()
    if (settlements.length > 0) await insertTransfers(trx, settlements, this.now())
    await applyAccountDeltas(trx, balanceDeltas, heldDeltas)
  }

  /**
   * Posts many view charges in one database transaction with multi-row statements: one
   * conditional update adds each posting to its hold (refusing closed, expired, exhausted and
   * already-posted ones in the same statement), then each stream's increase is split by the
   * quota method and credited from the view clearing account. Results come back in input order.
   * `alsoWrite` runs in the same transaction with the postings that were accepted (e.g. the
   * engagement counters they feed), so those writes happen exactly when the charge does.
   */
  async postViewSeconds(
    postings: readonly ViewPosting[],
    alsoWrite?: (trx: Trx, accepted: readonly ViewPosting[]) => Promise<void>,
  ): Promise<PostingResult[]> {
    if (postings.length === 0) return []
    for (const p of postings) assertSplitParams(p.split.params)
    const results: PostingResult[] = postings.map((p) =>
      isPositiveSats(p.amountSats) && Number.isSafeInteger(p.seq) && p.seq > 0 ? 'ok' : 'invalid_amount',
    )
    const byHold = groupByHold(postings, results)
    if (byHold.size === 0) return results
    return this.inTransaction(async (trx) => {
      const outcome = await postToHolds(trx, byHold, this.now())
      const accepted: ViewPosting[] = []
      const final = [...results]
      for (const [holdId, group] of byHold) {
        const result = outcome.get(holdId)
        assert(result, 'every hold of the batch has an outcome')
        for (const index of group.indexes) {
          final[index] = result
          if (result === 'ok') accepted.push(postings[index]!)
        }
      }
      this.onFault('post:afterHolds')
      if (accepted.length > 0) {
        const credits = await advanceStreams(trx, accepted, this.now())
        this.onFault('post:afterStreams')
        const postedTotal = accepted.reduce((sum, p) => sum + p.amountSats, 0)
        let creditedTotal = 0
        for (const amount of credits.values()) creditedTotal += amount
        assert(creditedTotal === postedTotal, 'the splits of a batch add up to what the batch charged')
        credits.set(VIEW_CLEARING_ACCOUNT, -postedTotal)
        await lockAccounts(trx, [...credits.keys()])
        await applyAccountDeltas(trx, credits, new Map())
        if (alsoWrite) await alsoWrite(trx, accepted)
      }
      this.onFault('post:beforeCommit')
      return final
    })
  }

  private async inTransaction<T>(work: (trx: Trx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(work)
      } catch (error) {
        if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isRetryable(error)) throw error
      }
    }
  }
}

/**
 * Whether a locked account can hold `amount` more, besides what `heldSoFar` (holds judged
 * earlier in the same batch, by account) already takes from it.
 */
function canHold(account: LockedAccount, heldSoFar: ReadonlyMap<string, number>, amount: number): boolean {
  return account.allowNegative || account.balance - account.held - (heldSoFar.get(account.id) ?? 0) >= amount
}

function addTo(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount)
}

/**
 * Balance deltas of a batch against locked accounts, in order, so that two transfers from one
 * account cannot together take more than it has available; or the first refusal.
 */
function judgeTransfers(
  accounts: ReadonlyMap<string, LockedAccount>,
  transfers: readonly TransferInput[],
): { deltas: Map<string, number> } | { status: LedgerFailure; index: number } {
  const deltas = new Map<string, number>()
  for (const [index, t] of transfers.entries()) {
    const debit = accounts.get(t.debitAccountId)
    const credit = accounts.get(t.creditAccountId)
    if (!debit || !credit) return { status: 'account_not_found', index }
    const debitBalance = debit.balance + (deltas.get(debit.id) ?? 0)
    if (!debit.allowNegative && debitBalance - debit.held < t.amountSats) {
      return { status: 'insufficient_funds', index }
    }
    addTo(deltas, debit.id, -t.amountSats)
    addTo(deltas, credit.id, t.amountSats)
  }
  return { deltas }
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

/** 'exists' when all were recorded as given, a refusal when any id is taken otherwise. */
async function findRecorded(
  trx: Trx,
  transfers: readonly TransferInput[],
): Promise<TransferBatchResult | undefined> {
  const existing = await trx
    .selectFrom('transfers')
    .select(['id', 'debit_account_id', 'credit_account_id', 'amount_sats', 'code'])
    .where(
      'id',
      'in',
      transfers.map((t) => t.id),
    )
    .execute()
  if (existing.length === 0) return undefined
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

async function insertTransfers(trx: Trx, transfers: readonly TransferInput[], now: Date): Promise<void> {
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
        created_at: now,
      })),
    )
    .execute()
}

/** Locks the accounts in id order (so concurrent writers never deadlock) and returns them. */
export async function lockAccounts(trx: Trx, ids: readonly string[]): Promise<Map<string, LockedAccount>> {
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

async function lockHold(trx: Trx, id: string): Promise<Hold | undefined> {
  const row = await trx.selectFrom('holds').selectAll().where('id', '=', id).forUpdate().executeTakeFirst()
  return row && toHold(row)
}

function toHold(row: Selectable<HoldsTable>): Hold {
  return {
    id: row.id,
    accountId: row.account_id,
    amountSats: row.amount_sats,
    postedSats: row.posted_sats,
    lastSeq: row.last_seq,
    state: row.state,
    expiresAt: new Date(row.expires_at),
  }
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

interface HoldGroup {
  indexes: number[]
  amount: number
  minSeq: number
  maxSeq: number
}

/** The valid postings of a batch, summed per hold: a hold takes all of its postings or none. */
function groupByHold(
  postings: readonly ViewPosting[],
  results: readonly PostingResult[],
): Map<string, HoldGroup> {
  const groups = new Map<string, HoldGroup>()
  for (const [index, p] of postings.entries()) {
    if (results[index] !== 'ok') continue
    const group = groups.get(p.holdId)
    if (group) {
      group.indexes.push(index)
      group.amount += p.amountSats
      group.minSeq = Math.min(group.minSeq, p.seq)
      group.maxSeq = Math.max(group.maxSeq, p.seq)
    } else {
      groups.set(p.holdId, { indexes: [index], amount: p.amountSats, minSeq: p.seq, maxSeq: p.seq })
    }
  }
  return groups
}

/**
 * One statement adds every group to its hold if the hold is open, unexpired, not yet at this
 * seq and has room; the holds it did not change are then read to say why.
 */
async function postToHolds(
  trx: Trx,
  groups: ReadonlyMap<string, HoldGroup>,
  now: Date,
): Promise<Map<string, PostingResult>> {
  const ids = [...groups.keys()].sort()
  const group = (id: string) => groups.get(id)!
  const updated = await sql`
    update holds h set posted_sats = h.posted_sats + d.amount, last_seq = d.max_seq
    from unnest(${textArray(ids)}::text[], ${bigintArray(ids.map((id) => group(id).amount))}::bigint[],
                ${bigintArray(ids.map((id) => group(id).minSeq))}::bigint[],
                ${bigintArray(ids.map((id) => group(id).maxSeq))}::bigint[]) as d(id, amount, min_seq, max_seq)
    where h.id = d.id and h.state = 'open' and h.expires_at > ${now}
      and d.min_seq > h.last_seq and h.posted_sats + d.amount <= h.amount_sats`.execute(trx)
  const outcome = new Map<string, PostingResult>()
  if (Number(updated.numAffectedRows) === ids.length) {
    for (const id of ids) outcome.set(id, 'ok')
    return outcome
  }
  // Some holds refused. One read tells apart the rows this transaction wrote (xmin is ours),
  // the ones it did not and the ids with no row, in a single snapshot: two reads could see a
  // hold that a concurrent transaction created in between and take it for a written one.
  const rows = await sql<{ id: string; state: string; expires_at: Date; last_seq: number; mine: boolean }>`
    select id, state, expires_at, last_seq, xmin = pg_current_xact_id()::xid as mine
    from holds where id = any(${textArray(ids)}::text[])`.execute(trx)
  const byId = new Map(rows.rows.map((r) => [r.id, r]))
  let written = 0
  for (const id of ids) {
    const hold = byId.get(id)
    if (hold?.mine) written++
    outcome.set(id, !hold ? 'hold_not_found' : hold.mine ? 'ok' : refusal(hold, group(id), now))
  }
  assert(
    written === Number(updated.numAffectedRows),
    'the rows read as written are the ones the update wrote',
  )
  return outcome
}

function refusal(
  hold: { state: string; expires_at: Date; last_seq: number },
  group: HoldGroup,
  now: Date,
): PostingResult {
  if (group.maxSeq <= hold.last_seq) return 'exists'
  if (group.minSeq <= hold.last_seq) return 'exists_with_different_fields'
  if (hold.state !== 'open') return 'hold_closed'
  if (new Date(hold.expires_at) <= now) return 'hold_expired'
  return 'hold_exceeded'
}
