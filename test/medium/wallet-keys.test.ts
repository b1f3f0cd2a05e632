/**
 * The platform's HD master key: generated once in embedded mode into a 0600 file in a 0700
 * folder and reused after a restart; taken from MASTER_KEY otherwise, and required off embedded
 * mode; deposit addresses and the hot wallet derived on their own branches in the network's
 * address form; the key itself never reaching a log line or an error message.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { HD } from '@bsv/sdk'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { masterKeyFile, WalletKeys } from '../../src/services/wallet/keys.ts'

const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'memepool-wallet-keys-'))
  dirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const PERMISSION_BITS = 0o777

describe('the embedded master key', () => {
  it('is created once with mode 0600 in a 0700 folder and reused after a restart', async () => {
    const dataDir = tempDir()
    const first = await WalletKeys.open({ masterKey: undefined, embedded: true, dataDir, chain: 'devnet' })
    const file = masterKeyFile(dataDir)
    expect(statSync(file).mode & PERMISSION_BITS).toBe(0o600)
    expect(statSync(path.dirname(file)).mode & PERMISSION_BITS).toBe(0o700)
    const again = await WalletKeys.open({ masterKey: undefined, embedded: true, dataDir, chain: 'devnet' })
    expect(again.depositAddress(0)).toBe(first.depositAddress(0))
    expect(again.depositAddress(7)).toBe(first.depositAddress(7))
    expect(again.hotWalletAddress()).toBe(first.hotWalletAddress())
  })

  it('differs between installs', async () => {
    const a = await WalletKeys.open({
      masterKey: undefined,
      embedded: true,
      dataDir: tempDir(),
      chain: 'devnet',
    })
    const b = await WalletKeys.open({
      masterKey: undefined,
      embedded: true,
      dataDir: tempDir(),
      chain: 'devnet',
    })
    expect(a.depositAddress(0)).not.toBe(b.depositAddress(0))
  })
})

describe('a configured master key', () => {
  const xprv = HD.fromRandom().toString()

  it('derives deposit addresses at m/0/<index> and the hot wallet at m/1/0', async () => {
    const keys = await WalletKeys.open({
      masterKey: xprv,
      embedded: false,
      dataDir: tempDir(),
      chain: 'main',
    })
    const master = HD.fromString(xprv)
    expect(keys.depositAddress(0)).toBe(master.derive('m/0/0').privKey.toPublicKey().toAddress('mainnet'))
    expect(keys.depositAddress(42)).toBe(master.derive('m/0/42').privKey.toPublicKey().toAddress('mainnet'))
    expect(keys.hotWalletAddress()).toBe(master.derive('m/1/0').privKey.toPublicKey().toAddress('mainnet'))
    expect(keys.depositAddress(0)).toMatch(/^1/)
  })

  it('uses testnet addresses on the test network and mainnet ones on the devnet', async () => {
    const test = await WalletKeys.open({
      masterKey: xprv,
      embedded: false,
      dataDir: tempDir(),
      chain: 'test',
    })
    const devnet = await WalletKeys.open({
      masterKey: xprv,
      embedded: true,
      dataDir: tempDir(),
      chain: 'devnet',
    })
    expect(test.depositAddress(0)).toMatch(/^[mn]/)
    expect(devnet.depositAddress(0)).toMatch(/^1/)
  })

  it('wins over a key file', async () => {
    const dataDir = tempDir()
    const generated = await WalletKeys.open({
      masterKey: undefined,
      embedded: true,
      dataDir,
      chain: 'devnet',
    })
    const configured = await WalletKeys.open({ masterKey: xprv, embedded: true, dataDir, chain: 'devnet' })
    expect(configured.depositAddress(0)).not.toBe(generated.depositAddress(0))
  })

  it('is required off embedded mode', async () => {
    const dataDir = tempDir()
    await expect(
      WalletKeys.open({ masterKey: undefined, embedded: false, dataDir, chain: 'main' }),
    ).rejects.toThrow(ConfigError)
    await expect(
      WalletKeys.open({ masterKey: undefined, embedded: false, dataDir, chain: 'main' }),
    ).rejects.toThrow(/MASTER_KEY is required/)
  })

  it('refuses an invalid key or an xpub without repeating it', async () => {
    const broken = `${xprv.slice(0, -4)}abcd`
    const xpub = HD.fromString(xprv).toPublic().toString()
    for (const masterKey of [broken, xpub, 'not a key']) {
      const error = await WalletKeys.open({
        masterKey,
        embedded: false,
        dataDir: tempDir(),
        chain: 'main',
      }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect(String((error as Error).message)).not.toContain(masterKey)
      expect(JSON.stringify(error)).not.toContain(masterKey)
    }
  })
})

describe('the key is never logged', () => {
  it('not through the keys object, derived keys or errors, at the most verbose level', async () => {
    const chunks: string[] = []
    const logger = createLogger(
      'trace',
      new Writable({
        write(chunk, _encoding, callback) {
          chunks.push(chunk.toString())
          callback()
        },
      }),
    )
    const dataDir = tempDir()
    const keys = await WalletKeys.open({ masterKey: undefined, embedded: true, dataDir, chain: 'devnet' })
    const { readFileSync } = await import('node:fs')
    const xprv = readFileSync(masterKeyFile(dataDir), 'utf8').trim()
    expect(xprv).toMatch(/^xprv/)
    logger.info({ keys, wallet: keys, nested: { deep: { keys } } }, 'keys as an object')
    logger.info(`keys as text: ${String(keys)} ${JSON.stringify(keys)}`)
    logger.info({ address: keys.depositAddress(3), hot: keys.hotWalletAddress() }, 'addresses')
    const error = await WalletKeys.open({
      masterKey: `${xprv.slice(0, -1)}x`,
      embedded: false,
      dataDir,
      chain: 'main',
    }).catch((e: unknown) => e)
    logger.error({ err: error }, 'bad key')
    const logged = chunks.join('')
    expect(logged).toContain('addresses')
    expect(logged).not.toContain(xprv)
    expect(logged).not.toContain(xprv.slice(0, -1))
    expect(logged).not.toContain(HD.fromString(xprv).privKey.toWif())
    expect(logged).not.toContain(HD.fromString(xprv).privKey.toHex())
  })
})
