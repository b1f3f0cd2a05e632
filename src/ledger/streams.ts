/**
 * Running splits of view revenue. Each stream keeps what each part has received so far; a
 * batch moves it forward by what the batch charged it and credits the increase, split by the
 * quota method (domain/split.ts), from the view clearing account.
 */
import { sql } from 'kysely'
import { assert } from '../domain/money.ts'
import { addParts, SPLIT_PART_NAMES, type SplitParts, splitIncrement, splitSum } from '../domain/split.ts'
import { VIEW_CLEARING_ACCOUNT } from './accounts.ts'
import type { Trx } from './ledger.ts'
import type { ViewPosting } from './types.ts'

interface Leg {
  id: string
  accountId: string
  amount: number
  part: string
  streamId: string
}

/** Returns the credit per account. A leg's id is its stream and new total, unique by construction. */
export async function advanceStreams(
  trx: Trx,
  accepted: readonly ViewPosting[],
  now: Date,
): Promise<Map<string, number>> {
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
  const rows = await sql<{
    id: string
    fee_sats: number
    creator_sats: number
    owner_sats: number
    pool_sats: number
  }>`
    select id, fee_sats, creator_sats, owner_sats, pool_sats from split_streams
    where id = any(${streamIds}::text[]) order by id for update`.execute(trx)
  const before = new Map<string, SplitParts>(
    rows.rows.map((r) => [
      r.id,
      { fee: r.fee_sats, creator: r.creator_sats, owner: r.owner_sats, pool: r.pool_sats },
    ]),
  )

  const legs: Leg[] = []
  const after: SplitParts[] = []
  const credits = new Map<string, number>()
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
      if (credit[part] === 0) continue
      legs.push({
        id: `${streamId}@${total}:${part}`,
        accountId: destination[part],
        amount: credit[part],
        part,
        streamId,
      })
      credits.set(destination[part], (credits.get(destination[part]) ?? 0) + credit[part])
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
                ${legs.map((l) => l.streamId)}::text[]) as l(id, account, amount, part, stream_id)`.execute(
    trx,
  )
  return credits
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
