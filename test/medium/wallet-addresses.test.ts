/**
 * Deposit addresses: one per user, allocated on the first request at a fresh derivation index
 * (concurrent first requests, from the same or different users, never share an index; on
 * PostgreSQL when DATABASE_URL is set, through parallel connections), stable afterwards, and
 * watched only while in use: requested or paid to within the watch window.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { HD, PrivateKey } from '@bsv/sdk'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DevnetChainSource } from '../../src/adapters/chain/devnet/chain-source.ts'
import { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import { ConfigError } from '../../src/config.ts'
import { Ledger } from '../../src/ledger/ledger.ts'
import { DepositsRepository } from '../../src/services/wallet/deposits.repository.ts'
import { ADDRESS_WATCH_DAYS, DepositWatcher } from '../../src/services/wallet/deposits.ts'
import { WalletKeys } from '../../src/services/wallet/keys.ts'
import { WalletService } from '../../src/services/wallet/wallet.service.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { uid } from '../support/ledger.ts'

const MS_PER_DAY = 86_400_000
const CONCURRENT_USERS = 12

let dataDir: string
let db: TestDb
let keys: WalletKeys
let devnet: Devnet

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'memepool-wallet-addresses-'))
  db = await openTestDb({ poolSize: CONCURRENT_USERS })
  keys = await WalletKeys.open({ masterKey: undefined, embedded: true, dataDir, chain: 'devnet' })
  devnet = await Devnet.open({ dataDir, blockIntervalSeconds: 0 })
})
afterAll(async () => {
  await devnet?.close()
  await db?.close()
  rmSync(dataDir, { recursive: true, force: true })
})

function service(now: () => Date = () => new Date()): WalletService {
  return new WalletService({
    keys,
    repository: new DepositsRepository(db.kysely),
    ledger: new Ledger(db.kysely),
    confirmations: 1,
    now,
  })
}

async function newUser(): Promise<string> {
  const id = uid('u-')
  await sql`insert into users (id, identity_key, created_at)
            values (${id}, ${PrivateKey.fromRandom().toPublicKey().toString()}, ${new Date()})`.execute(
    db.kysely,
  )
  return id
}

describe('deposit address allocation', () => {
  it('gives each user one address of their own, however many first requests race', async () => {
    const users = await Promise.all(Array.from({ length: CONCURRENT_USERS }, () => newUser()))
    const wallet = service()
    // Every user asks three times at once, all users together.
    const answers = await Promise.all(
      users.flatMap((id) => [1, 2, 3].map(async () => [id, await wallet.depositAddress(id)])),
    )
    const byUser = new Map<string, Set<string>>()
    for (const [id, address] of answers) byUser.set(id!, (byUser.get(id!) ?? new Set()).add(address!))
    for (const addresses of byUser.values()) expect(addresses.size).toBe(1)
    const all = [...byUser.values()].map((set) => [...set][0]!)
    expect(new Set(all).size).toBe(CONCURRENT_USERS)

    const rows = await db.kysely.selectFrom('deposit_addresses').selectAll().execute()
    expect(new Set(rows.map((r) => r.derivation_index)).size).toBe(rows.length)
    for (const row of rows) expect(row.address).toBe(keys.depositAddress(row.derivation_index))
  })

  it('answers the same address on later requests', async () => {
    const id = await newUser()
    const wallet = service()
    const first = await wallet.depositAddress(id)
    expect(await wallet.depositAddress(id)).toBe(first)
    expect((await wallet.view(id)).depositAddress).toBe(first)
  })
})

describe('the master key check at start', () => {
  it('passes with the key that issued the addresses and refuses another', async () => {
    await newUser().then((id) => service().depositAddress(id))
    await expect(service().checkKeyMatchesIssuedAddresses()).resolves.toBeUndefined()
    const otherKeys = await WalletKeys.open({
      masterKey: HD.fromRandom().toString(),
      embedded: true,
      dataDir,
      chain: 'devnet',
    })
    const other = new WalletService({
      keys: otherKeys,
      repository: new DepositsRepository(db.kysely),
      ledger: new Ledger(db.kysely),
      confirmations: 1,
    })
    await expect(other.checkKeyMatchesIssuedAddresses()).rejects.toThrow(ConfigError)
  })
})

describe('which addresses the watcher polls', () => {
  it('those requested or paid to within the watch window, not idle ones', async () => {
    const start = Date.now()
    let nowMs = start
    const now = () => new Date(nowMs)
    const wallet = service(now)
    const idle = await newUser()
    const paid = await newUser()
    const idleAddress = await wallet.depositAddress(idle)
    const paidAddress = await wallet.depositAddress(paid)
    const repository = new DepositsRepository(db.kysely)
    const watcher = new DepositWatcher({
      source: new DevnetChainSource(devnet),
      repository,
      ledger: new Ledger(db.kysely),
      confirmations: 1,
      now,
    })
    await watcher.init()
    nowMs = start + (ADDRESS_WATCH_DAYS - 1) * MS_PER_DAY
    await devnet.faucet(paidAddress, 1_000)
    await watcher.scan()
    const watched = (since: number) =>
      repository.addressesActiveSince(new Date(since)).then((list) => list.map((a) => a.address))
    nowMs = start + (ADDRESS_WATCH_DAYS + 1) * MS_PER_DAY
    const current = await watched(nowMs - ADDRESS_WATCH_DAYS * MS_PER_DAY)
    expect(current).toContain(paidAddress)
    expect(current).not.toContain(idleAddress)
    // Asking for the address again puts it back on the list.
    await wallet.depositAddress(idle)
    expect(await watched(nowMs - ADDRESS_WATCH_DAYS * MS_PER_DAY)).toContain(idleAddress)
  })
})
