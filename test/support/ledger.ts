/**
 * Builders for ledger tests (STYLE "medium tests ... through a context with builders"): fresh
 * accounts with unique ids, funding from an external clearing account, and a stream destination.
 */
import { randomBytes } from 'node:crypto'
import { PLATFORM_FEES_ACCOUNT } from '../../src/ledger/accounts.ts'
import { Ledger, type LedgerOptions } from '../../src/ledger/ledger.ts'
import type { SplitDestination } from '../../src/ledger/types.ts'
import type { TestDb } from './db.ts'

export const FUNDING_ACCOUNT = 'clearing:test-funding'
export const SPEC_SPLIT = { feeBps: 200, directPct: 40, creatorPct: 10 }

export function uid(prefix = ''): string {
  return `${prefix}${randomBytes(6).toString('hex')}`
}

export class LedgerContext {
  readonly ledger: Ledger

  constructor(
    readonly db: TestDb,
    options: LedgerOptions = {},
  ) {
    this.ledger = new Ledger(db.kysely, options)
  }

  async init(): Promise<this> {
    await this.ledger.init()
    await this.ledger.ensureAccounts([{ id: FUNDING_ACCOUNT, kind: 'clearing', allowNegative: true }])
    return this
  }

  async newAccount(kind = 'user'): Promise<string> {
    const id = uid(`${kind}:`)
    await this.ledger.ensureAccounts([{ id, kind }])
    return id
  }

  async newFundedUser(sats: number): Promise<string> {
    const id = await this.newAccount('user')
    if (sats > 0) {
      const result = await this.ledger.transfer([
        {
          id: uid('fund-'),
          debitAccountId: FUNDING_ACCOUNT,
          creditAccountId: id,
          amountSats: sats,
          code: 'deposit',
        },
      ])
      if (result.status !== 'ok') throw new Error(`funding failed: ${result.status}`)
    }
    return id
  }

  /** A meme's destination: a creator, an owner and a round pool, with the platform fee account. */
  async newDestination(): Promise<SplitDestination> {
    return {
      params: SPEC_SPLIT,
      feeAccountId: PLATFORM_FEES_ACCOUNT,
      creatorAccountId: await this.newAccount('user'),
      ownerAccountId: await this.newAccount('user'),
      poolAccountId: await this.newAccount('pool'),
    }
  }

  async balance(id: string): Promise<number> {
    return (await this.ledger.getAccount(id))?.balanceSats ?? Number.NaN
  }

  async available(id: string): Promise<number> {
    return (await this.ledger.getAccount(id))?.availableSats ?? Number.NaN
  }
}
