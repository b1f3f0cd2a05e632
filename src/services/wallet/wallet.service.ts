/**
 * What a user sees of their money: their deposit address (allocated on first request), their
 * balance as the ledger has it, what is on its way, and their recent deposits.
 */
import { ConfigError } from '../../config.ts'
import { assert } from '../../domain/money.ts'
import { userAccountId } from '../../ledger/accounts.ts'
import type { Ledger } from '../../ledger/ledger.ts'
import type { Deposit, DepositsRepository } from './deposits.repository.ts'
import { MAX_DERIVATION_INDEX, type WalletKeys } from './keys.ts'

/** How many deposits the wallet view lists, newest first. */
export const RECENT_DEPOSITS_LIMIT = 20

export interface WalletServiceOptions {
  keys: WalletKeys
  repository: DepositsRepository
  ledger: Ledger
  /** config.money.depositConfirmations */
  confirmations: number
  now?: () => Date
}

export interface WalletView {
  depositAddress: string
  requiredConfirmations: number
  frozen: boolean
  balance: { availableSats: number; heldSats: number; pendingDepositSats: number }
  deposits: Deposit[]
}

export class WalletService {
  private readonly now: () => Date

  constructor(private readonly options: WalletServiceOptions) {
    this.now = options.now ?? (() => new Date())
  }

  /**
   * Refuses to start with a master key other than the one that issued the stored addresses:
   * deposits to them could then never be spent, and new users would be handed addresses that
   * may collide with old ones. main calls this once at start.
   */
  async checkKeyMatchesIssuedAddresses(): Promise<void> {
    const first = await this.options.repository.firstAddress()
    if (first && this.options.keys.depositAddress(first.derivationIndex) !== first.address) {
      throw new ConfigError([
        'the master key (MASTER_KEY or DATA_DIR/keys/master.key) does not derive the deposit addresses already issued',
      ])
    }
  }

  /**
   * The user's deposit address, derived at a fresh index the first time. Each call also marks the
   * address as in use, which is what keeps the deposit watcher polling it.
   */
  async depositAddress(userId: string): Promise<string> {
    const { repository, keys } = this.options
    const now = this.now()
    const existing = await repository.touchAddress(userId, now)
    if (existing) return existing.address
    const index = await repository.nextDerivationIndex()
    assert(index <= MAX_DERIVATION_INDEX, 'deposit derivation indexes fit the unhardened BIP32 range')
    await repository.insertAddressIfAbsent(
      { userId, derivationIndex: index, address: keys.depositAddress(index) },
      now,
    )
    // Another request may have won the insert; its address is the user's.
    const stored = await repository.findAddress(userId)
    assert(stored, 'a deposit address exists after inserting one')
    assert(
      stored.address === keys.depositAddress(stored.derivationIndex),
      'a stored address matches its index',
    )
    return stored.address
  }

  async view(userId: string): Promise<WalletView> {
    const { repository, ledger, confirmations } = this.options
    const depositAddress = await this.depositAddress(userId)
    const account = await ledger.getAccount(userAccountId(userId))
    return {
      depositAddress,
      requiredConfirmations: confirmations,
      frozen: (await repository.frozenAt(userId)) !== null,
      balance: {
        availableSats: account?.availableSats ?? 0,
        heldSats: account?.heldSats ?? 0,
        pendingDepositSats: await repository.pendingSatsOfUser(userId),
      },
      deposits: await repository.recentForUser(userId, RECENT_DEPOSITS_LIMIT),
    }
  }
}
