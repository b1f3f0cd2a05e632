/**
 * Withdrawal requests (SPEC 3): the fee quote, the request itself, and the user's list.
 *
 * A request moves the whole amount from the user's account to the withdrawal clearing account
 * at once, in the same database transaction that records the withdrawal, so a balance can never
 * be withdrawn twice: two requests that together exceed it get one success and one
 * INSUFFICIENT_FUNDS, whatever the timing. The payout service later pays it on chain.
 *
 * The amount includes the network fee, which is quoted before the user confirms and deducted:
 * the address receives amount − fee. The fee is a fixed share of a batch transaction (one output
 * and one input at the configured rate); what a batch really costs is settled between the
 * quotes and the platform's network-fee account.
 *
 * Idempotency: the withdrawal's id is derived from the user and their idempotency key, and the
 * ledger transfer carries that id, so a retry answers with the first request's withdrawal, and the
 * same key with another amount or address is refused with IDEMPOTENCY_KEY_REUSED.
 */
import { createHash } from 'node:crypto'
import type { ChainNetwork } from '../../adapters/chain/source.ts'
import { checkAddressForNetwork } from '../../domain/address.ts'
import { assert, MAX_SUPPLY_SATS } from '../../domain/money.ts'
import { userAccountId } from '../../ledger/accounts.ts'
import type { Ledger } from '../../ledger/ledger.ts'
import type { DepositsRepository } from './deposits.repository.ts'
import { feeForSizeSats, P2PKH_INPUT_BYTES, P2PKH_OUTPUT_BYTES } from './tx-builder.ts'
import type { Withdrawal, WithdrawalsRepository } from './withdrawals.repository.ts'

/** Holds requested withdrawals until they are paid or refunded; never negative. */
export const WITHDRAWAL_CLEARING_ACCOUNT = 'clearing:withdrawals'
/** What left the platform to users' addresses, net of fees: grows by every confirmed payout. */
export const CHAIN_WITHDRAWN_ACCOUNT = 'chain:withdrawn'
/** What miners were paid for the platform's transactions. */
export const CHAIN_NETWORK_FEES_ACCOUNT = 'chain:network-fees'
/**
 * The platform's net cost of network fees: credited with the fees users are quoted, debited with
 * what transactions really cost (payouts, sweeps, cancellations). It may run negative.
 */
export const PLATFORM_NETWORK_FEES_ACCOUNT = 'platform:network-fees'

export const WITHDRAWAL_ACCOUNTS = [
  { id: WITHDRAWAL_CLEARING_ACCOUNT, kind: 'clearing' },
  { id: CHAIN_WITHDRAWN_ACCOUNT, kind: 'chain' },
  { id: CHAIN_NETWORK_FEES_ACCOUNT, kind: 'chain' },
  { id: PLATFORM_NETWORK_FEES_ACCOUNT, kind: 'platform', allowNegative: true },
] as const

/** How many withdrawals the user's list shows, newest first. */
export const RECENT_WITHDRAWALS_LIMIT = 20
/** Idempotency keys: what a client library generates (UUIDs, ULIDs, random base64url). */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_-]{8,64}$/

export function withdrawalTransferId(withdrawalId: string): string {
  return `withdrawal:${withdrawalId}`
}

export function withdrawalRefundTransferId(withdrawalId: string): string {
  return `withdrawal-refund:${withdrawalId}`
}

/** The network fee one withdrawal is charged: its output and one input's share of a batch. */
export function withdrawalFeeSats(satsPerKb: number): number {
  return feeForSizeSats(P2PKH_OUTPUT_BYTES + P2PKH_INPUT_BYTES, satsPerKb)
}

export interface WithdrawalRequest {
  amountSats: number
  address: string
  idempotencyKey: string
}

export type WithdrawalFailure =
  | 'AMOUNT_INVALID'
  | 'AMOUNT_BELOW_MINIMUM'
  | 'INVALID_ADDRESS'
  | 'ADDRESS_WRONG_NETWORK'
  | 'IDEMPOTENCY_KEY_INVALID'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'INSUFFICIENT_FUNDS'
  | 'ACCOUNT_FROZEN'

export interface Quote {
  amountSats: number
  feeSats: number
  receiveSats: number
  minimumSats: number
}

export type QuoteResult = { status: 'ok'; quote: Quote } | { status: WithdrawalFailure }
export type RequestResult =
  | { status: 'created' | 'existing'; withdrawal: Withdrawal }
  | { status: WithdrawalFailure }

export interface WithdrawalServiceOptions {
  repository: WithdrawalsRepository
  deposits: Pick<DepositsRepository, 'frozenAt'>
  ledger: Ledger
  network: ChainNetwork
  /** config.money.withdrawMinSats */
  minimumSats: number
  /** config.wallet.networkFeeRateSatsPerKb */
  feeRateSatsPerKb: number
  now?: () => Date
}

export class WithdrawalService {
  private readonly now: () => Date

  constructor(private readonly options: WithdrawalServiceOptions) {
    this.now = options.now ?? (() => new Date())
    assert(options.minimumSats > withdrawalFeeSats(options.feeRateSatsPerKb), 'the minimum covers the fee')
  }

  async init(): Promise<void> {
    await this.options.ledger.ensureAccounts(WITHDRAWAL_ACCOUNTS)
  }

  /** What a withdrawal of `amountSats` costs and delivers; the address is checked when given. */
  quote(amountSats: number, address?: string): QuoteResult {
    const { minimumSats, feeRateSatsPerKb, network } = this.options
    if (!Number.isSafeInteger(amountSats) || amountSats <= 0 || amountSats > MAX_SUPPLY_SATS) {
      return { status: 'AMOUNT_INVALID' }
    }
    if (amountSats < minimumSats) return { status: 'AMOUNT_BELOW_MINIMUM' }
    if (address !== undefined) {
      const check = checkAddressForNetwork(address, network)
      if (check === 'malformed') return { status: 'INVALID_ADDRESS' }
      if (check === 'wrong_network') return { status: 'ADDRESS_WRONG_NETWORK' }
    }
    const feeSats = withdrawalFeeSats(feeRateSatsPerKb)
    return { status: 'ok', quote: { amountSats, feeSats, receiveSats: amountSats - feeSats, minimumSats } }
  }

  async request(userId: string, request: WithdrawalRequest): Promise<RequestResult> {
    if (!IDEMPOTENCY_KEY_PATTERN.test(request.idempotencyKey)) return { status: 'IDEMPOTENCY_KEY_INVALID' }
    const quoted = this.quote(request.amountSats, request.address)
    if (quoted.status !== 'ok') return quoted
    const id = withdrawalId(userId, request.idempotencyKey)
    const previous = await this.options.repository.byId(id)
    if (previous) return sameRequest(previous, request)
    if ((await this.options.deposits.frozenAt(userId)) !== null) return { status: 'ACCOUNT_FROZEN' }

    const { repository, ledger } = this.options
    const account = userAccountId(userId)
    await ledger.ensureAccounts([{ id: account, kind: 'user' }])
    const result = await ledger.transfer(
      [
        {
          id: withdrawalTransferId(id),
          debitAccountId: account,
          creditAccountId: WITHDRAWAL_CLEARING_ACCOUNT,
          amountSats: request.amountSats,
          code: 'withdrawal',
          ref: id,
        },
      ],
      (trx) =>
        repository.insert(
          trx,
          {
            id,
            userId,
            idempotencyKey: request.idempotencyKey,
            address: request.address,
            amountSats: request.amountSats,
            feeSats: quoted.quote.feeSats,
          },
          this.now(),
        ),
    )
    if (result.status === 'insufficient_funds') return { status: 'INSUFFICIENT_FUNDS' }
    if (result.status === 'exists_with_different_fields') return { status: 'IDEMPOTENCY_KEY_REUSED' }
    assert(result.status === 'ok' || result.status === 'exists', `a withdrawal transfer: ${result.status}`)
    // 'exists' means a concurrent request with this key won; its row committed with its transfer.
    const stored = await repository.byId(id)
    assert(stored, `withdrawal ${id} is recorded with its transfer`)
    return result.status === 'ok' ? { status: 'created', withdrawal: stored } : sameRequest(stored, request)
  }

  list(userId: string): Promise<Withdrawal[]> {
    return this.options.repository.listForUser(userId, RECENT_WITHDRAWALS_LIMIT)
  }
}

/** A stable id per user and key: what makes a retried request find the first one. */
export function withdrawalId(userId: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${userId}\u0000${idempotencyKey}`).digest('hex')
  return `wd_${digest.slice(0, 32)}`
}

function sameRequest(stored: Withdrawal, request: WithdrawalRequest): RequestResult {
  return stored.amountSats === request.amountSats && stored.address === request.address
    ? { status: 'existing', withdrawal: stored }
    : { status: 'IDEMPOTENCY_KEY_REUSED' }
}
