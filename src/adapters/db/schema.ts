/**
 * Table types for Kysely. Bigint columns arrive as numbers (see the type parsers in
 * database.ts, which refuse anything beyond the safe-integer range).
 */
import type { ColumnType, Generated } from 'kysely'

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>

export interface AccountsTable {
  id: string
  kind: string
  balance_sats: ColumnType<number, number | undefined, number>
  held_sats: ColumnType<number, number | undefined, number>
  allow_negative: ColumnType<boolean, boolean | undefined, boolean>
  created_at: Timestamp
}

export interface TransfersTable {
  id: string
  seq: Generated<number>
  debit_account_id: string
  credit_account_id: string
  amount_sats: number
  code: string
  hold_id: string | null
  ref: string | null
  created_at: Timestamp
}

export type HoldState = 'open' | 'closed' | 'voided' | 'expired'

export interface HoldsTable {
  id: string
  account_id: string
  amount_sats: number
  posted_sats: ColumnType<number, number | undefined, number>
  last_seq: ColumnType<number, number | undefined, number>
  state: ColumnType<HoldState, HoldState | undefined, HoldState>
  expires_at: Timestamp
  created_at: Timestamp
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>
}

/** A running split (see domain/split.ts): what each part of one stream has received so far. */
export interface SplitStreamsTable {
  id: string
  fee_sats: number
  creator_sats: number
  owner_sats: number
  pool_sats: number
}

export interface BlocksTable {
  height: number
  hash: string
  prev_hash: string
  merkle_root: string
  time_s: number
  tx_count: number
  seen_at: ColumnType<Date, Date | string | undefined, Date | string>
}

export interface Database {
  blocks: BlocksTable
  accounts: AccountsTable
  transfers: TransfersTable
  holds: HoldsTable
  split_streams: SplitStreamsTable
}
