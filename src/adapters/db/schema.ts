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

type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>

export type UserRole = 'viewer' | 'admin'

export interface UsersTable {
  id: string
  address: string | null
  identity_key: string | null
  role: ColumnType<UserRole, UserRole | undefined, UserRole>
  created_at: Timestamp
  /** Set when a reversed deposit was not covered by the balance (migration 0004). */
  frozen_at: NullableTimestamp
}

export interface AuthChallengesTable {
  id: string
  message: string
  expires_at: Timestamp
  used_at: NullableTimestamp
  created_at: Timestamp
}

export interface SessionsTable {
  /** SHA-256 of the session token, hex; the token itself is never stored. */
  token_hash: string
  user_id: string
  created_at: Timestamp
  expires_at: Timestamp
  revoked_at: NullableTimestamp
  last_seen_at: Timestamp
}

export interface DepositAddressesTable {
  user_id: string
  derivation_index: number
  address: string
  created_at: Timestamp
  requested_at: Timestamp
}

export type DepositState = 'seen' | 'credited' | 'dropped' | 'reversal_pending' | 'reversed'

export interface DepositsTable {
  txid: string
  vout: number
  user_id: string
  address: string
  satoshis: number
  state: ColumnType<DepositState, DepositState | undefined, DepositState>
  block_height: number | null
  block_hash: string | null
  confirmations: ColumnType<number, number | undefined, number>
  first_seen_at: Timestamp
  credited_at: NullableTimestamp
  reversed_at: NullableTimestamp
  sweep_tx_id: ColumnType<string | null, string | null | undefined, string | null>
}

export interface AlertsTable {
  id: string
  code: string
  user_id: string | null
  details: ColumnType<unknown, string, string>
  created_at: Timestamp
  resolved_at: NullableTimestamp
}

export type AnchorState = 'built' | 'broadcast' | 'confirmed' | 'failed'

/** A published (or to be published) Merkle root of one period's records; see migration 0005. */
export interface AnchorsTable {
  id: Generated<number>
  period_kind: 'block'
  period_key: number
  first_seq: number
  last_seq: number
  record_count: number
  root: string
  raw_tx: string | null
  txid: string | null
  state: ColumnType<AnchorState, AnchorState | undefined, AnchorState>
  block_height: number | null
  block_hash: string | null
  last_error: string | null
  created_at: Timestamp
  broadcast_at: NullableTimestamp
  confirmed_at: NullableTimestamp
}

export type WalletTxPurpose = 'payout' | 'sweep' | 'cancel'
export type WalletTxState = 'built' | 'broadcast' | 'confirmed' | 'failed' | 'cancelled'

/** A transaction the hot wallet signed; see migration 0006. */
export interface WalletTxsTable {
  id: string
  purpose: WalletTxPurpose
  state: ColumnType<WalletTxState, WalletTxState | undefined, WalletTxState>
  txid: string
  raw_tx: string
  input_sats: number
  fee_sats: number
  change_sats: number
  cancels_id: string | null
  broadcast_attempts: ColumnType<number, number | undefined, number>
  last_error: string | null
  block_height: number | null
  block_hash: string | null
  created_at: Timestamp
  broadcast_at: NullableTimestamp
  settled_at: NullableTimestamp
}

export interface WalletTxInputsTable {
  wallet_tx_id: string
  txid: string
  vout: number
  satoshis: number
  /** Which key signs: 'hot' or 'deposit:<derivation index>'. */
  key_ref: string
  active: ColumnType<boolean, boolean | undefined, boolean>
}

export type WithdrawalState = 'requested' | 'broadcast' | 'confirmed' | 'refunded'

export interface WithdrawalsTable {
  id: string
  user_id: string
  idempotency_key: string
  address: string
  amount_sats: number
  fee_sats: number
  state: ColumnType<WithdrawalState, WithdrawalState | undefined, WithdrawalState>
  wallet_tx_id: string | null
  vout: number | null
  attempts: ColumnType<number, number | undefined, number>
  last_error: string | null
  created_at: Timestamp
  updated_at: Timestamp
  confirmed_at: NullableTimestamp
  refunded_at: NullableTimestamp
}

export type MemeState =
  | 'validated'
  | 'transforming'
  | 'checked'
  | 'in_review'
  | 'approved'
  | 'assigned'
  | 'rejected'

/** JSON columns are written as text and read back parsed. */
type Json<T> = ColumnType<T, string, string>

/** One uploaded meme; see migration 0007. */
export interface MemesTable {
  id: string
  creator_user_id: string
  title: string
  tags: Json<string[]>
  state: MemeState
  original_sha256: string
  original_format: string
  original_width: number
  original_height: number
  original_bytes: number
  stored_sha256: string
  stored_ext: string
  phash: string
  near_duplicate_of: string | null
  animation: ColumnType<unknown | null, string | null | undefined, string | null>
  quality: ColumnType<unknown | null, string | null | undefined, string | null>
  problems: ColumnType<string[], string | undefined, string>
  attempts: ColumnType<number, number | undefined, number>
  review_reason: string | null
  created_at: Timestamp
  updated_at: Timestamp
  approved_at: NullableTimestamp
  assigned_round: number | null
  owner_user_id: string
}

export type RoundState = 'open' | 'closed' | 'settled'

/** One round per block height; see migration 0008. */
export interface RoundsTable {
  height: number
  block_hash: string
  state: ColumnType<RoundState, RoundState | undefined, RoundState>
  params: Json<unknown>
  opened_at: Timestamp
  closed_at: NullableTimestamp
  settled_at: NullableTimestamp
  settlement: ColumnType<unknown | null, string | null | undefined, string | null>
}

export interface RoundMemesTable {
  round_height: number
  meme_id: string
  slot: number
}

export interface RoundMemeStatsTable {
  round_height: number
  meme_id: string
  paid_seconds: ColumnType<number, number | undefined, number>
  revenue_sats: ColumnType<number, number | undefined, number>
  reached_seq: number
}

export interface RoundViewersTable {
  round_height: number
  user_id: string
  paid_seconds: ColumnType<number, number | undefined, number>
  qualified_seq: number | null
}

export type WatchSessionState = 'active' | 'ended'

export interface WatchSessionsTable {
  id: string
  user_id: string
  meme_id: string
  hold_id: string
  state: ColumnType<WatchSessionState, WatchSessionState | undefined, WatchSessionState>
  rate_sats: number
  confirmed_seconds: ColumnType<number, number | undefined, number>
  charged_seconds: ColumnType<number, number | undefined, number>
  charged_sats: ColumnType<number, number | undefined, number>
  end_reason: string | null
  started_at: Timestamp
  ended_at: Timestamp | null
}

export interface RoundMemeViewersTable {
  round_height: number
  meme_id: string
  user_id: string
}

export interface NotificationsTable {
  id: Generated<number>
  user_id: string
  kind: string
  dedupe_key: string
  data: ColumnType<unknown, string, string>
  created_at: Timestamp
  read_at: Timestamp | null
}

export interface MediaFilesTable {
  sha256: string
  ext: string
  visibility: 'public' | 'protected'
  bytes: number
  created_at: Timestamp
}

export type JobState = 'queued' | 'running' | 'done' | 'dead'

export interface JobsTable {
  id: string
  queue: string
  payload: Json<unknown>
  state: ColumnType<JobState, JobState | undefined, JobState>
  attempts: ColumnType<number, number | undefined, number>
  max_attempts: number
  run_at: Timestamp
  locked_by: string | null
  locked_until: NullableTimestamp
  last_error: string | null
  created_at: Timestamp
  updated_at: Timestamp
}

export type ListingState = 'active' | 'sold' | 'cancelled' | 'closed'

/** A meme's asking price; see migration 0010. */
export interface MarketListingsTable {
  id: string
  meme_id: string
  seller_user_id: string
  price_sats: number
  state: ColumnType<ListingState, ListingState | undefined, ListingState>
  trade_id: string | null
  created_at: Timestamp
  closed_at: NullableTimestamp
}

export type OfferState = 'open' | 'accepted' | 'withdrawn' | 'void'

/** A buyer's bid, held in the ledger while open; see migration 0010. */
export interface MarketOffersTable {
  id: string
  meme_id: string
  buyer_user_id: string
  price_sats: number
  hold_id: string
  state: ColumnType<OfferState, OfferState | undefined, OfferState>
  trade_id: string | null
  created_at: Timestamp
  closed_at: NullableTimestamp
}

/** One change of a meme's ownership; see migration 0010. */
export interface MarketTradesTable {
  id: string
  seq: Generated<number>
  meme_id: string
  seller_user_id: string
  buyer_user_id: string
  price_sats: number
  fee_sats: number
  listing_id: string | null
  offer_id: string | null
  created_at: Timestamp
}

/** One lease per duty name (migration 0011): who leads, until when, under which fencing token. */
export interface LeasesTable {
  name: string
  holder: string
  token: number
  expires_at: Timestamp
  acquired_at: Timestamp
}

export interface Database {
  leases: LeasesTable
  market_listings: MarketListingsTable
  market_offers: MarketOffersTable
  market_trades: MarketTradesTable
  memes: MemesTable
  jobs: JobsTable
  media_files: MediaFilesTable
  rounds: RoundsTable
  round_memes: RoundMemesTable
  round_meme_stats: RoundMemeStatsTable
  round_viewers: RoundViewersTable
  watch_sessions: WatchSessionsTable
  notifications: NotificationsTable
  round_meme_viewers: RoundMemeViewersTable
  wallet_txs: WalletTxsTable
  wallet_tx_inputs: WalletTxInputsTable
  withdrawals: WithdrawalsTable
  users: UsersTable
  deposit_addresses: DepositAddressesTable
  deposits: DepositsTable
  alerts: AlertsTable
  auth_challenges: AuthChallengesTable
  sessions: SessionsTable
  blocks: BlocksTable
  accounts: AccountsTable
  transfers: TransfersTable
  holds: HoldsTable
  split_streams: SplitStreamsTable
  anchors: AnchorsTable
}
