/**
 * Anchoring against the real devnet (which checks scripts and fees): ledger transfers are
 * anchored in one OP_RETURN transaction funded by a faucet-paid key, accepted, mined and then
 * confirmed; the OP_RETURN holds the root; every transfer's proof leads to that root and the
 * transaction's own Merkle proof to its block; a period with nothing new publishes nothing; a
 * broadcast that fails once is retried with the very same transaction; the next period takes
 * only the newer transfers and spends the change of the previous anchor; and the audit passes on
 * honest records and fails on an altered export, also through the CLI's export file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PrivateKey, Transaction } from '@bsv/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DevnetChainSource } from '../../src/adapters/chain/devnet/chain-source.ts'
import type { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import { rootFromBranch } from '../../src/adapters/chain/merkle.ts'
import { type BroadcastResult, ChainError, type ChainSource } from '../../src/adapters/chain/source.ts'
import { parseAuditArgs, runAudit, runExport } from '../../src/cli/audit.ts'
import { leafHash, verifyPath } from '../../src/domain/record-tree.ts'
import { findAnchorPayload } from '../../src/services/anchoring/anchor-payload.ts'
import { AnchoringService } from '../../src/services/anchoring/anchoring.service.ts'
import { AnchorsRepository } from '../../src/services/anchoring/anchors.repository.ts'
import { auditAnchor, exportRecords } from '../../src/services/anchoring/audit.ts'
import { type AnchorFunder, keyFunder } from '../../src/services/anchoring/funder.ts'
import { fund, openTestDevnet } from '../chain/support.ts'
import { openTestDb, type TestDb } from '../support/db.ts'
import { FUNDING_ACCOUNT, LedgerContext, uid } from '../support/ledger.ts'

const FUNDING_SATS = 100_000

/** A chain source whose next `failures` broadcasts fail as an outage would, then pass through. */
class FlakyBroadcast {
  failures = 0
  readonly sent: string[] = []
  readonly source: ChainSource

  constructor(inner: ChainSource) {
    this.source = Object.create(inner, {
      broadcast: {
        value: async (rawTx: string): Promise<BroadcastResult> => {
          this.sent.push(rawTx)
          if (this.failures > 0) {
            this.failures--
            throw new ChainError('CHAIN_UNAVAILABLE', 'connection reset')
          }
          return inner.broadcast(rawTx)
        },
      },
    }) as ChainSource
  }
}

let db: TestDb
let devnet: Devnet
let closeDevnet: () => Promise<void>
let ctx: LedgerContext
let chain: FlakyBroadcast
let anchors: AnchorsRepository
let funder: AnchorFunder
let service: AnchoringService

async function transfers(count: number): Promise<string[]> {
  const user = await ctx.newAccount('user')
  const ids = Array.from({ length: count }, () => uid('t-'))
  const result = await ctx.ledger.transfer(
    ids.map((id, i) => ({
      id,
      debitAccountId: FUNDING_ACCOUNT,
      creditAccountId: user,
      amountSats: 100 + i,
      code: 'deposit',
      ref: i % 2 === 0 ? null : `ref-${i}`,
    })),
  )
  expect(result.status).toBe('ok')
  return ids
}

beforeAll(async () => {
  db = await openTestDb()
  ctx = await new LedgerContext(db).init()
  const opened = await openTestDevnet()
  devnet = opened.devnet
  closeDevnet = opened.close
  chain = new FlakyBroadcast(new DevnetChainSource(devnet))
  anchors = new AnchorsRepository(db.kysely)
  funder = keyFunder(PrivateKey.fromRandom(), 'devnet')
  await fund(devnet, funder.address, FUNDING_SATS)
  service = new AnchoringService({ anchors, chain: chain.source, funder, feeRateSatsPerKb: 100 })
})
afterAll(async () => {
  await closeDevnet?.()
  await db?.close()
})

describe('anchoring on the devnet', () => {
  let firstIds: string[]
  let firstTxid: string

  it('publishes nothing while the ledger is empty', async () => {
    expect(await service.anchorPeriod({ kind: 'block', key: 1 })).toEqual({ status: 'nothing_to_anchor' })
    expect(chain.sent).toHaveLength(0)
  })

  it('anchors the transfers in one accepted transaction, confirmed once mined', async () => {
    firstIds = await transfers(7)
    const outcome = await service.anchorPeriod({ kind: 'block', key: 2 })
    expect(outcome).toMatchObject({ status: 'anchored', anchor: { state: 'broadcast', recordCount: 7 } })
    if (outcome.status !== 'anchored') throw new Error('not anchored')
    firstTxid = outcome.anchor.txid!
    expect(devnet.txStatus(firstTxid).state).toBe('mempool')

    const payload = findAnchorPayload(devnet.transaction(firstTxid)!.hex)
    expect(payload).toEqual({ version: 1, root: outcome.anchor.root, period: 'block:2' })
    const tx = Transaction.fromHex(devnet.transaction(firstTxid)!.hex)
    expect(tx.outputs[0]!.satoshis).toBe(0)
    expect(tx.outputs[1]!.satoshis).toBeGreaterThan(FUNDING_SATS - 1_000)

    const tip = await devnet.mine(1)
    const [confirmed] = await service.refresh()
    expect(confirmed).toMatchObject({
      status: 'anchored',
      anchor: { state: 'confirmed', blockHeight: tip.height, blockHash: tip.hash },
    })
  })

  it('proves every transfer against the root and the root against the block', async () => {
    for (const id of firstIds) {
      const result = await service.transferProof(id, { role: 'admin' })
      if (result.status !== 'ok') throw new Error(`no proof for ${id}: ${result.status}`)
      const { proof } = result
      expect(proof.record.id).toBe(id)
      expect(proof.leafHash).toBe(leafHash(proof.record))
      expect(verifyPath(proof.leafHash, proof.path, proof.root)).toBe(true)
      expect(proof.anchor.txid).toBe(firstTxid)
      expect(findAnchorPayload(devnet.transaction(firstTxid)!.hex)?.root).toBe(proof.root)
      const merkle = proof.anchor.txMerkleProof!
      expect(rootFromBranch(firstTxid, merkle.index, merkle.nodes)).toBe(
        devnet.blockAt(merkle.blockHeight)!.merkleRoot,
      )
    }
  })

  it('shows a user only transfers touching their accounts', async () => {
    const result = await service.transferProof(firstIds[0]!, { role: 'user', accountIds: ['user:nobody'] })
    expect(result).toEqual({ status: 'not_found' })
    expect(await service.transferProof('no-such-transfer', { role: 'admin' })).toEqual({
      status: 'not_found',
    })
  })

  it('publishes nothing for a period with no new transfers, and repeats nothing for a known period', async () => {
    const sentBefore = chain.sent.length
    expect(await service.anchorPeriod({ kind: 'block', key: 3 })).toEqual({ status: 'nothing_to_anchor' })
    const again = await service.anchorPeriod({ kind: 'block', key: 2 })
    expect(again).toMatchObject({ status: 'anchored', anchor: { txid: firstTxid, state: 'confirmed' } })
    expect(chain.sent.length).toBe(sentBefore)
  })

  it('answers not anchored for a transfer made after the last anchor', async () => {
    const [late] = await transfers(1)
    const result = await service.transferProof(late!, { role: 'admin' })
    expect(result.status).toBe('not_anchored')
  })

  it('re-sends the same transaction after a failed broadcast, and anchors only the newer transfers', async () => {
    await transfers(4)
    chain.failures = 1
    const failed = await service.anchorPeriod({ kind: 'block', key: 4 })
    expect(failed).toMatchObject({ status: 'chain_unavailable', anchor: { state: 'built', recordCount: 5 } })
    if (failed.status !== 'chain_unavailable') throw new Error('expected an outage')
    const firstAttempt = chain.sent[chain.sent.length - 1]!
    expect(devnet.transaction(failed.anchor.txid!)).toBeUndefined()

    const retried = await service.anchorPeriod({ kind: 'block', key: 4 })
    expect(retried).toMatchObject({
      status: 'anchored',
      anchor: { state: 'broadcast', txid: failed.anchor.txid },
    })
    expect(chain.sent[chain.sent.length - 1]).toBe(firstAttempt)
    // The new anchor spends the previous anchor's change: one funding chain, no stray outputs.
    const tx = Transaction.fromHex(firstAttempt)
    expect(tx.inputs.map((input) => input.sourceTXID)).toEqual([firstTxid])
    await devnet.mine(1)
    await service.refresh()
    expect((await anchors.byId(failed.anchor.id))?.state).toBe('confirmed')
  })

  it('passes the audit on honest records and fails it on an altered export', async () => {
    const deps = { anchors, chain: chain.source }
    const honest = await auditAnchor(deps, { period: 2 })
    expect(honest).toMatchObject({ status: 'checked', ok: true, report: { recordCount: 7, confirmed: true } })

    const exported = await exportRecords(deps, { period: 4 })
    expect(exported?.records).toHaveLength(5)
    const fromFile = JSON.parse(JSON.stringify(exported)) as NonNullable<typeof exported>
    expect(await auditAnchor(deps, { anchorId: fromFile.anchorId }, fromFile.records)).toMatchObject({
      ok: true,
    })

    const altered = fromFile.records.map((r, i) => (i === 2 ? { ...r, amountSats: r.amountSats + 1 } : r))
    const result = await auditAnchor(deps, { period: 4 }, altered)
    expect(result).toMatchObject({ status: 'checked', ok: false })
    if (result.status !== 'checked') throw new Error('not checked')
    expect(result.report.problems).toContain(
      'the root of the records differs from the root the anchor recorded',
    )
    expect(result.report.problems).toContain('the root on chain differs from the root of the records')

    const dropped = await auditAnchor(deps, { period: 4 }, fromFile.records.slice(1))
    expect(dropped).toMatchObject({ status: 'checked', ok: false })
    expect(await auditAnchor(deps, { period: 99 })).toEqual({ status: 'no_anchor', target: { period: 99 } })
  })
})

describe('the audit and export commands', () => {
  it('parses exactly one of --period and --anchor, and only its own file flag', () => {
    expect(parseAuditArgs(['--period', '4'], '--records')).toEqual({ target: { period: 4 }, file: undefined })
    expect(parseAuditArgs(['--anchor', '2', '--out', 'x.json'], '--out')).toEqual({
      target: { anchorId: 2 },
      file: 'x.json',
    })
    expect(parseAuditArgs([], '--records')).toMatch(/exactly one/)
    expect(parseAuditArgs(['--period', '1', '--anchor', '2'], '--records')).toMatch(/exactly one/)
    expect(parseAuditArgs(['--period', 'x'], '--records')).toMatch(/whole number/)
    expect(parseAuditArgs(['--period', '1', '--out', 'f'], '--records')).toMatch(/unknown option/)
    expect(parseAuditArgs(['--period'], '--records')).toMatch(/needs a value/)
  })

  it('exports a period to a file, passes it, and fails it once a record in the file is altered', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'memepool-audit-'))
    try {
      const deps = { anchors, chain: chain.source }
      const file = path.join(dir, 'records.json')
      const exported = await runExport(deps, { target: { period: 2 }, file })
      expect(exported.exitCode).toBe(0)
      const audit = await runAudit(deps, { target: { period: 2 }, file })
      expect(audit).toMatchObject({ exitCode: 0, stderr: '' })
      expect(audit.stdout).toMatch(/PASS/)

      const content = JSON.parse(await readFile(file, 'utf8'))
      content.records[0].credit = 'user:mallory'
      await writeFile(file, JSON.stringify(content))
      const altered = await runAudit(deps, { target: { period: 2 }, file })
      expect(altered.exitCode).toBe(1)
      expect(altered.stdout).toMatch(/FAIL: the records do not match the anchor/)

      await writeFile(file, '{"not":"an export"}')
      expect((await runAudit(deps, { target: { period: 2 }, file })).exitCode).toBe(2)
      expect((await runAudit(deps, { target: { period: 77 }, file: undefined })).stdout).toMatch(/no anchor/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
