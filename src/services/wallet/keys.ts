/**
 * The platform's keys: one BIP32 master key, from which every deposit address and the hot wallet
 * are derived. It comes from MASTER_KEY, or, in embedded mode only, is generated once and kept in
 * `${dataDir}/keys/master.key` (file 0600, folder 0700) so that a restart derives the same
 * addresses. A server on PostgreSQL may run as several processes, which must all share one key,
 * so there it has to be configured.
 *
 * SPEC 10: the key is never logged, served or put in an error message. This class holds it in a
 * private field and has no method that returns it, and its errors name only the variable.
 */
import { createHmac } from 'node:crypto'
import { constants } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { HD, type PrivateKey } from '@bsv/sdk'
import type { ChainNetwork } from '../../adapters/chain/source.ts'
import { ConfigError } from '../../config.ts'
import { assert } from '../../domain/money.ts'

/**
 * Deposit addresses are m/0/<index>; the hot wallet is m/1/0 and the anchoring key m/1/1.
 * Unhardened, so an xpub could watch them.
 */
const DEPOSIT_BRANCH = 0
const PLATFORM_BRANCH = 1
const HOT_WALLET_INDEX = 0
const ANCHOR_INDEX = 1
/** BIP32 normal (unhardened) child indexes stop here. */
export const MAX_DERIVATION_INDEX = 2 ** 31 - 1

const KEY_DIR_MODE = 0o700
const KEY_FILE_MODE = 0o600

export interface WalletKeysOptions {
  /** config.wallet.masterKey */
  masterKey: string | undefined
  /** True when the database is the embedded one (config.databaseUrl undefined). */
  embedded: boolean
  dataDir: string
  chain: ChainNetwork
}

export function masterKeyFile(dataDir: string): string {
  return path.join(dataDir, 'keys', 'master.key')
}

export class WalletKeys {
  readonly #master: HD
  readonly #depositBranch: HD
  readonly #platformBranch: HD
  /** Derived once: each derivation is elliptic-curve work (~20 ms), asked for at every block. */
  #hotWalletAddress: string | undefined
  private readonly addressPrefix: 'mainnet' | 'testnet'

  private constructor(master: HD, chain: ChainNetwork) {
    this.#master = master
    this.#depositBranch = master.deriveChild(DEPOSIT_BRANCH)
    this.#platformBranch = master.deriveChild(PLATFORM_BRANCH)
    // The devnet accepts both forms; it shows mainnet ones, so those are what users see there.
    this.addressPrefix = chain === 'test' ? 'testnet' : 'mainnet'
  }

  /**
   * The configured key, or the embedded install's own (created on first start). Throws a
   * ConfigError when no key can be had: that is a start-up problem for the operator to fix.
   */
  static async open(options: WalletKeysOptions): Promise<WalletKeys> {
    if (options.masterKey !== undefined)
      return new WalletKeys(parseMasterKey(options.masterKey), options.chain)
    if (!options.embedded) {
      throw new ConfigError([
        'MASTER_KEY is required with DATABASE_URL (every process must derive the same addresses)',
      ])
    }
    return new WalletKeys(await loadOrCreateKeyFile(options.dataDir), options.chain)
  }

  depositAddress(index: number): string {
    return this.depositPrivateKey(index).toPublicKey().toAddress(this.addressPrefix)
  }

  /** For sweeping a deposit address into the hot wallet. */
  depositPrivateKey(index: number): PrivateKey {
    assert(
      Number.isSafeInteger(index) && index >= 0 && index <= MAX_DERIVATION_INDEX,
      'a deposit derivation index is an unhardened BIP32 index',
    )
    return this.#depositBranch.deriveChild(index).privKey
  }

  hotWalletPrivateKey(): PrivateKey {
    return this.#platformBranch.deriveChild(HOT_WALLET_INDEX).privKey
  }

  /**
   * Pays for anchor transactions. Kept apart from the hot wallet, which holds users' money: the
   * operator funds it, and anchors never compete with payouts for the same outputs.
   */
  anchorPrivateKey(): PrivateKey {
    return this.#platformBranch.deriveChild(ANCHOR_INDEX).privKey
  }

  hotWalletAddress(): string {
    this.#hotWalletAddress ??= this.hotWalletPrivateKey().toPublicKey().toAddress(this.addressPrefix)
    return this.#hotWalletAddress
  }

  /**
   * A 32-byte secret for `purpose` (e.g. signing media links), the same in every process that
   * shares the master key and unrelated to any spending key: HMAC-SHA256 keyed by the master
   * private key.
   */
  secretFor(purpose: string): Buffer {
    return createHmac('sha256', Buffer.from(this.#master.privKey.toArray()))
      .update(`memepool:${purpose}`)
      .digest()
  }

  /** Keeps the key out of anything that stringifies or inspects this object. */
  toJSON(): string {
    return '[WalletKeys]'
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[WalletKeys]'
  }
}

/** An extended private key, or a ConfigError that does not repeat the value. */
function parseMasterKey(text: string): HD {
  let hd: HD
  try {
    hd = HD.fromString(text.trim())
  } catch {
    throw new ConfigError(['MASTER_KEY is not a valid BIP32 extended private key (xprv)'])
  }
  // An xpub parses too, but cannot sign for the addresses it derives.
  if (hd.privKey === undefined) {
    throw new ConfigError(['MASTER_KEY is an extended public key; an xprv is needed'])
  }
  return hd
}

async function loadOrCreateKeyFile(dataDir: string): Promise<HD> {
  const file = masterKeyFile(dataDir)
  const dir = path.dirname(file)
  await mkdir(dir, { recursive: true, mode: KEY_DIR_MODE })
  // mkdir leaves an existing folder as it was, and the umask may have narrowed a new one.
  await chmod(dir, KEY_DIR_MODE)
  try {
    // 'wx' fails when the file exists, so a key once written is never replaced.
    await writeFile(file, `${HD.fromRandom().toString()}\n`, { mode: KEY_FILE_MODE, flag: 'wx' })
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EEXIST') throw error
  }
  await chmod(file, KEY_FILE_MODE)
  const text = await readFile(file, { encoding: 'utf8', flag: constants.O_RDONLY })
  try {
    return parseMasterKey(text)
  } catch {
    throw new ConfigError([`${file} does not hold a valid xprv; restore it from a backup`])
  }
}
