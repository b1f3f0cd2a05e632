import type { SplitParams } from '../domain/split.ts'

/**
 * Outcomes a caller can cause are values, not exceptions (STYLE "Expected outcomes are
 * values"). Anything else that goes wrong inside the ledger is a bug and throws.
 */
export type LedgerFailure =
  | 'exists_with_different_fields'
  | 'insufficient_funds'
  | 'account_not_found'
  | 'hold_not_found'
  | 'hold_closed'
  | 'hold_expired'
  | 'hold_exceeded'
  | 'invalid_amount'
  | 'same_account'

export type LedgerResult = 'ok' | 'exists' | LedgerFailure

export interface AccountSpec {
  id: string
  kind: string
  /** Only the platform's clearing accounts (deposits, withdrawals, network fees) may go negative. */
  allowNegative?: boolean
}

export interface Account {
  id: string
  kind: string
  balanceSats: number
  heldSats: number
  /** What the owner can spend now: the balance less what open holds reserve. */
  availableSats: number
  allowNegative: boolean
}

export interface TransferInput {
  /** Made by the caller; a retry with the same id answers 'exists'. */
  id: string
  debitAccountId: string
  creditAccountId: string
  amountSats: number
  /** What kind of movement this is: 'deposit', 'withdrawal', 'trade', ... */
  code: string
  ref?: string | null
}

/** A recorded transfer, as history reads it. */
export interface TransferRecordRow {
  id: string
  seq: number
  debitAccountId: string
  creditAccountId: string
  amountSats: number
  code: string
  ref: string | null
  createdAt: Date
}

export type TransferBatchResult = { status: 'ok' | 'exists' } | { status: LedgerFailure; index: number }

export interface HoldInput {
  id: string
  accountId: string
  amountSats: number
  expiresAt: Date
}

/** Where a stream's split goes; fixed for the life of the stream (see ViewPosting.streamId). */
export interface SplitDestination {
  params: SplitParams
  feeAccountId: string
  creatorAccountId: string
  ownerAccountId: string
  poolAccountId: string
}

/**
 * A charge for watched time, drawn from a hold and split at once. `seq` numbers the postings of
 * one hold (1, 2, 3, ... per flush; gaps are allowed): a posting whose seq the hold has already
 * reached answers 'exists' and charges nothing, which is what makes a retried flush safe.
 * `streamId` names the running total the split is computed on: everything paid into one stream
 * goes to the same destination with the same parameters, so the caller makes a new stream
 * whenever one of those changes (a new round's pool, a new owner after a trade).
 */
export interface ViewPosting {
  holdId: string
  seq: number
  amountSats: number
  streamId: string
  split: SplitDestination
}

export type PostingResult = 'ok' | 'exists' | LedgerFailure

export interface Hold {
  id: string
  accountId: string
  amountSats: number
  postedSats: number
  lastSeq: number
  state: 'open' | 'closed' | 'voided' | 'expired'
  expiresAt: Date
}
