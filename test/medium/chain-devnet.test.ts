/**
 * Proves the devnet behaves like a BSV node for what Memepool needs: its blocks are real 80-byte
 * headers chained by double SHA-256 with correct Merkle roots; the faucet funds an address; a real
 * signed P2PKH transaction is accepted, mined and moves the output; double spends, bad signatures,
 * low fees, unknown inputs, overspends and malformed bytes are refused with stable codes; Merkle
 * proofs verify (also through the SDK's MerklePath); reorganisations of depth 1 to 6 replace the
 * blocks above the common ancestor, and a dropped transaction vanishes with what spends it; the
 * chain survives a restart; and timed mining announces new tips.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { Hash, MerklePath, P2PKH, Transaction, UnlockingScript, Utils } from '@bsv/sdk'
import { afterEach, describe, expect, it } from 'vitest'
import { DevnetChainSource } from '../../src/adapters/chain/devnet/chain-source.ts'
import { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import { merkleRoot, rootFromBranch } from '../../src/adapters/chain/merkle.ts'
import type { BlockHeader } from '../../src/adapters/chain/source.ts'
import { buildSpend, fund, newWallet, openTestDevnet, tempDataDir, txFromDevnet } from '../chain/support.ts'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function devnet(options: Parameters<typeof openTestDevnet>[0] = {}): Promise<Devnet> {
  const opened = await openTestDevnet(options)
  cleanups.push(opened.close)
  return opened.devnet
}

/** The header serialised by hand, independently of the devnet's code. */
function headerBytes(block: NonNullable<ReturnType<Devnet['blockAt']>>): number[] {
  const writer = new Utils.Writer()
  writer.writeUInt32LE(block.version)
  writer.write(Utils.toArray(block.prevHash, 'hex').reverse())
  writer.write(Utils.toArray(block.merkleRoot, 'hex').reverse())
  writer.writeUInt32LE(block.time)
  writer.writeUInt32LE(block.bits)
  writer.writeUInt32LE(block.nonce)
  return writer.toArray()
}

describe('blocks', () => {
  it('starts at a fixed genesis and chains real headers with correct Merkle roots', async () => {
    const first = await devnet()
    const second = await devnet()
    expect(first.tip().height).toBe(0)
    expect(first.tip().hash).toBe(second.tip().hash)

    const payee = newWallet()
    await first.faucet(payee.address, 5000)
    await first.faucet(payee.address, 6000)
    await first.mine(3)
    for (let height = 0; height <= 3; height++) {
      const block = first.blockAt(height)!
      const bytes = headerBytes(block)
      expect(bytes).toHaveLength(80)
      expect(block.hash).toBe(Utils.toHex(Hash.hash256(bytes).reverse()))
      if (height > 0) expect(block.prevHash).toBe(first.blockAt(height - 1)!.hash)
      expect(block.merkleRoot).toBe(merkleRoot(block.txids))
      // Each txid is the double SHA-256 of the stored raw transaction.
      for (const txid of block.txids)
        expect(Transaction.fromHex(first.transaction(txid)!.hex).id('hex')).toBe(txid)
    }
    expect(first.blockAt(1)!.txids).toHaveLength(3)
    expect(first.blockAt(3)!.time).toBeGreaterThan(first.blockAt(2)!.time)
  })
})

describe('faucet and spending', () => {
  it('funds an address, then a signed spend is accepted, mined and moves the output', async () => {
    const chain = await devnet()
    const alice = newWallet()
    const bob = newWallet()
    const faucet = await chain.faucet(alice.address, 100_000)
    expect(faucet.status).toBe('ok')
    const faucetTxid = faucet.status === 'ok' ? faucet.txid : ''
    expect(chain.unspentOf(alice.address)!.unconfirmed).toMatchObject([
      { txid: faucetTxid, vout: 0, height: null },
    ])

    const tip = await chain.mine(1)
    expect(chain.unspentOf(alice.address)!.confirmed).toEqual([
      { txid: faucetTxid, vout: 0, satoshis: 100_000, height: tip.height, spentInMempool: false },
    ])

    const spend = await buildSpend({
      source: txFromDevnet(chain, faucetTxid),
      key: alice.key,
      to: bob.address,
      satoshis: 40_000,
      change: alice.address,
    })
    expect(await chain.submit(spend.toHex())).toEqual({ status: 'ok', txid: spend.id('hex') })
    // In the mempool the faucet output is marked as spent there; the new outputs are unconfirmed.
    expect(chain.unspentOf(alice.address)!.confirmed[0]!.spentInMempool).toBe(true)
    expect(chain.unspentOf(bob.address)!.unconfirmed).toMatchObject([
      { txid: spend.id('hex'), vout: 0, satoshis: 40_000 },
    ])
    expect(chain.txStatus(spend.id('hex')).state).toBe('mempool')

    const mined = await chain.mine(1)
    expect(chain.txStatus(spend.id('hex'))).toMatchObject({
      state: 'confirmed',
      blockHeight: mined.height,
      confirmations: 1,
    })
    expect(chain.unspentOf(bob.address)!.confirmed).toMatchObject([
      { txid: spend.id('hex'), height: mined.height },
    ])
    const aliceNow = chain.unspentOf(alice.address)!
    expect(aliceNow.confirmed.map((utxo) => utxo.txid)).toEqual([spend.id('hex')])
    expect(aliceNow.confirmed[0]!.satoshis).toBe(100_000 - 40_000 - spend.getFee())
    expect(chain.historyOf(alice.address)).toEqual([
      { txid: faucetTxid, height: tip.height },
      { txid: spend.id('hex'), height: mined.height },
    ])
    // Sending the same transaction again is accepted: the node already has it.
    expect(await chain.submit(spend.toHex())).toEqual({ status: 'ok', txid: spend.id('hex') })
  })

  it('refuses bad addresses and amounts at the faucet', async () => {
    const chain = await devnet({ maxFaucetSats: 1000 })
    expect(await chain.faucet('not-an-address', 10)).toEqual({ status: 'invalid_address' })
    expect(await chain.faucet('1BoatSLRHtKNngkdXEeobR76b53LETtpyU', 10)).toEqual({
      status: 'invalid_address',
    })
    expect(await chain.faucet(newWallet().address, 1001)).toEqual({ status: 'invalid_amount', maxSats: 1000 })
    expect(await chain.faucet(newWallet().address, 0)).toMatchObject({ status: 'invalid_amount' })
    expect(await chain.faucet(newWallet().address, 1.5)).toMatchObject({ status: 'invalid_amount' })
    // A testnet-form address names the same key hash as its mainnet form.
    const wallet = newWallet()
    const testnetForm = wallet.key.toPublicKey().toAddress('testnet')
    const paid = await chain.faucet(testnetForm, 500)
    expect(paid.status).toBe('ok')
    expect(chain.unspentOf(wallet.address)!.unconfirmed).toHaveLength(1)
  })
})

describe('refusals', () => {
  async function funded() {
    const chain = await devnet()
    const alice = newWallet()
    const source = await fund(chain, alice.address, 50_000)
    return { chain, alice, source }
  }

  it('refuses a double spend, in the mempool and after mining', async () => {
    const { chain, alice, source } = await funded()
    const first = await buildSpend({ source, key: alice.key, to: newWallet().address, satoshis: 10_000 })
    const rival = await buildSpend({ source, key: alice.key, to: newWallet().address, satoshis: 20_000 })
    expect((await chain.submit(first.toHex())).status).toBe('ok')
    expect(await chain.submit(rival.toHex())).toMatchObject({
      status: 'rejected',
      code: 'double_spend',
      txid: rival.id('hex'),
    })
    await chain.mine(1)
    expect(await chain.submit(rival.toHex())).toMatchObject({ status: 'rejected', code: 'double_spend' })
    expect(chain.txStatus(rival.id('hex')).state).toBe('unknown')
  })

  it('refuses a spend signed with the wrong key', async () => {
    const { chain, source } = await funded()
    const thief = newWallet()
    const forged = await buildSpend({ source, key: thief.key, to: thief.address, satoshis: 10_000 })
    const result = await chain.submit(forged.toHex())
    expect(result).toMatchObject({ status: 'rejected', code: 'bad_script' })
    expect(result.status === 'rejected' && result.message).toContain('mandatory-script-verify-flag-failed')
  })

  it('refuses a tampered signature', async () => {
    const { chain, alice, source } = await funded()
    const honest = await buildSpend({ source, key: alice.key, to: newWallet().address, satoshis: 10_000 })
    // Change the output amount after signing: the signature no longer covers the transaction.
    const outputs = honest.outputs.map((output) => ({ ...output }))
    outputs[0]!.satoshis = 10_001
    const tampered = new Transaction(honest.version, honest.inputs, outputs, honest.lockTime)
    expect(await chain.submit(tampered.toHex())).toMatchObject({ status: 'rejected', code: 'bad_script' })
  })

  it('refuses a fee below 100 sat/kB and accepts one exactly at it', async () => {
    const { chain, alice, source } = await funded()
    const free = await buildSpend({
      source,
      key: alice.key,
      to: newWallet().address,
      satoshis: 10_000,
      change: alice.address,
      fixedFeeSats: 0,
    })
    expect(free.getFee()).toBe(0)
    expect(await chain.submit(free.toHex())).toMatchObject({ status: 'rejected', code: 'fee_too_low' })

    /** A spend whose fee is `offset` from the minimum for its own final size (signatures vary by a byte). */
    async function spendAtMinimumPlus(offset: number): Promise<Transaction> {
      let feeSats = 25
      for (let attempt = 0; attempt < 10; attempt++) {
        const tx = await buildSpend({
          source,
          key: alice.key,
          to: newWallet().address,
          satoshis: 10_000,
          change: alice.address,
          fixedFeeSats: feeSats,
        })
        const minimumSats = Math.ceil((tx.toBinary().length * 100) / 1000)
        if (tx.getFee() === minimumSats + offset) return tx
        feeSats = minimumSats + offset
      }
      throw new Error('could not build a spend at the wanted fee')
    }
    const below = await spendAtMinimumPlus(-1)
    expect(await chain.submit(below.toHex())).toMatchObject({ status: 'rejected', code: 'fee_too_low' })
    const exact = await spendAtMinimumPlus(0)
    expect(await chain.submit(exact.toHex())).toMatchObject({ status: 'ok' })
  })

  it('refuses unknown inputs and outputs above inputs', async () => {
    const { chain, alice, source } = await funded()
    // A funding transaction the devnet has never seen.
    const elsewhere = new Transaction(
      1,
      [
        {
          sourceTXID: 'ab'.repeat(32),
          sourceOutputIndex: 0,
          unlockingScript: new UnlockingScript(),
          sequence: 0xffffffff,
        },
      ],
      [{ lockingScript: new P2PKH().lock(alice.address), satoshis: 50_000 }],
      0,
    )
    const unknown = await buildSpend({
      source: elsewhere,
      key: alice.key,
      to: newWallet().address,
      satoshis: 10_000,
    })
    expect(await chain.submit(unknown.toHex())).toMatchObject({ status: 'rejected', code: 'missing_inputs' })
    const greedy = await buildSpend({
      source,
      key: alice.key,
      to: newWallet().address,
      satoshis: 50_001,
      fixedFeeSats: 0,
    })
    expect(await chain.submit(greedy.toHex())).toMatchObject({
      status: 'rejected',
      code: 'outputs_exceed_inputs',
    })
  })

  it('refuses malformed hex without throwing', async () => {
    const { chain, alice, source } = await funded()
    const valid = (
      await buildSpend({ source, key: alice.key, to: newWallet().address, satoshis: 10_000 })
    ).toHex()
    for (const bad of [
      '',
      'zz',
      '00',
      '0100000000000000000000',
      `${valid}00`,
      valid.slice(0, -2),
      `${valid.slice(0, 8)}fe`,
    ]) {
      expect(await chain.submit(bad), bad.slice(0, 16)).toMatchObject({
        status: 'rejected',
        code: 'malformed',
      })
    }
    expect(chain.mempoolTxids()).toEqual([])
  })
})

/** The SDK's own Merkle path check, built from a TSC proof. */
function sdkRoot(txid: string, index: number, nodes: string[], height: number): string {
  const path = nodes.map((node, level) => {
    const offset = (index >> level) ^ 1
    const sibling = node === '*' ? { offset, duplicate: true } : { offset, hash: node }
    const leaves = level === 0 ? [{ offset: index, hash: txid, txid: true }, sibling] : [sibling]
    return leaves.sort((a, b) => a.offset - b.offset)
  })
  return new MerklePath(height, path).computeRoot(txid)
}

describe('Merkle proofs', () => {
  it('prove every transaction of blocks with odd and even counts', async () => {
    const chain = await devnet()
    const payee = newWallet()
    for (const faucetPayments of [0, 1, 2, 3, 4, 6, 8]) {
      for (let i = 0; i < faucetPayments; i++) await chain.faucet(payee.address, 1000 + i)
      const tip = await chain.mine(1)
      const block = chain.blockAt(tip.height)!
      expect(block.txids).toHaveLength(faucetPayments + 1)
      for (const [index, txid] of block.txids.entries()) {
        const proof = chain.merkleProof(txid)!
        expect(proof).toMatchObject({ txid, index, blockHash: block.hash, blockHeight: block.height })
        expect(rootFromBranch(txid, proof.index, proof.nodes)).toBe(block.merkleRoot)
        if (proof.nodes.length > 0)
          expect(sdkRoot(txid, proof.index, proof.nodes, block.height)).toBe(block.merkleRoot)
        // A proof with the wrong position does not lead to the root.
        if (block.txids.length > 1)
          expect(rootFromBranch(txid, proof.index ^ 1, proof.nodes)).not.toBe(block.merkleRoot)
      }
    }
    const unmined = await chain.faucet(payee.address, 1)
    expect(unmined.status === 'ok' && chain.merkleProof(unmined.txid)).toBeUndefined()
  })
})

describe('reorganisations', () => {
  it('replaces the blocks above the ancestor for depths 1 to 6', async () => {
    const chain = await devnet()
    const alice = newWallet()
    await chain.mine(6)
    for (let depth = 1; depth <= 6; depth++) {
      const source = await fund(chain, alice.address, 20_000)
      const spend = await buildSpend({ source, key: alice.key, to: newWallet().address, satoshis: 5_000 })
      await chain.submit(spend.toHex())
      await chain.mine(depth)
      const before = chain.tip()
      const oldHashes = Array.from({ length: before.height + 1 }, (_, h) => chain.blockAt(h)!.hash)
      const ancestor = before.height - depth

      const after = await chain.reorg(depth)
      expect(after.height).toBe(before.height + 1)
      for (let height = 0; height <= after.height; height++) {
        const block = chain.blockAt(height)!
        expect(block.height).toBe(height)
        if (height > 0) expect(block.prevHash).toBe(chain.blockAt(height - 1)!.hash)
        if (height <= ancestor) expect(block.hash).toBe(oldHashes[height])
        else expect(block.hash).not.toBe(oldHashes[height])
      }
      // The spend was in a removed block: it is mined again on the new branch.
      expect(chain.txStatus(spend.id('hex'))).toMatchObject({ state: 'confirmed', blockHeight: ancestor + 1 })
    }
  })

  it('drops a named transaction with its descendants and faucet payments of removed blocks', async () => {
    const chain = await devnet()
    const alice = newWallet()
    const bob = newWallet()
    const carol = newWallet()
    const source = await fund(chain, alice.address, 30_000)
    const payBob = await buildSpend({ source, key: alice.key, to: bob.address, satoshis: 20_000 })
    await chain.submit(payBob.toHex())
    await chain.mine(1)
    const payCarol = await buildSpend({ source: payBob, key: bob.key, to: carol.address, satoshis: 15_000 })
    await chain.submit(payCarol.toHex())
    const carolFaucet = await chain.faucet(carol.address, 777)
    await chain.mine(1)

    await chain.reorg(2, { dropTxids: [payBob.id('hex')] })
    expect(chain.txStatus(payBob.id('hex')).state).toBe('unknown')
    expect(chain.txStatus(payCarol.id('hex')).state).toBe('unknown')
    expect(carolFaucet.status === 'ok' && chain.txStatus(carolFaucet.txid).state).toBe('unknown')
    expect(chain.unspentOf(bob.address)).toEqual({ confirmed: [], unconfirmed: [] })
    expect(chain.unspentOf(carol.address)).toEqual({ confirmed: [], unconfirmed: [] })
    // Alice's funding was below the ancestor: it is unspent again.
    expect(chain.unspentOf(alice.address)!.confirmed).toMatchObject([
      { txid: source.id('hex'), spentInMempool: false },
    ])
    await expect(chain.reorg(1, { dropTxids: [source.id('hex')] })).rejects.toThrow(/can only drop/)
  })
})

describe('persistence', () => {
  it('reopens from the same data directory with the same tip, outputs and mempool', async () => {
    const dir = await tempDataDir()
    cleanups.push(dir.remove)
    const alice = newWallet()
    const first = await Devnet.open({ dataDir: dir.path, blockIntervalSeconds: 0 })
    const source = await fund(first, alice.address, 40_000)
    const spend = await buildSpend({ source, key: alice.key, to: alice.address, satoshis: 30_000 })
    await first.mine(2)
    await first.submit(spend.toHex())
    const pending = await first.faucet(alice.address, 1234)
    const tip = first.tip()
    const unspent = first.unspentOf(alice.address)
    await first.close()

    const stored = JSON.parse(await readFile(path.join(dir.path, 'devnet', 'chain.json'), 'utf8'))
    expect(Object.keys(stored).sort()).toEqual(['blocks', 'format', 'mempool', 'version'])
    expect(stored.blocks).toHaveLength(tip.height + 1)

    const second = await Devnet.open({ dataDir: dir.path, blockIntervalSeconds: 0 })
    cleanups.push(() => second.close())
    expect(second.tip()).toEqual(tip)
    expect(second.unspentOf(alice.address)).toEqual(unspent)
    expect(second.mempoolTxids()).toEqual([spend.id('hex'), pending.status === 'ok' ? pending.txid : ''])
    // The reopened chain keeps working: the mempool is mined on top of the restored tip.
    const next = await second.mine(1)
    expect(next.prevHash).toBe(tip.hash)
    expect(second.txStatus(spend.id('hex')).state).toBe('confirmed')
  })
})

describe('timed mining and the in-process ChainSource', () => {
  it('mines on the interval and announces each new tip', async () => {
    const chain = await devnet({ blockIntervalSeconds: 1 })
    const source = new DevnetChainSource(chain)
    const tips: BlockHeader[] = []
    const unsubscribe = source.onNewTip((tip) => tips.push(tip))
    chain.start()
    await expect.poll(() => tips.length, { timeout: 5_000, interval: 50 }).toBeGreaterThanOrEqual(1)
    chain.stop()
    unsubscribe()
    expect(tips[0]).toEqual(await source.headerByHeight(tips[0]!.height))
    expect(tips[0]!.height).toBe(1)
  })

  it('answers every ChainSource query from the devnet', async () => {
    const chain = await devnet()
    const source = new DevnetChainSource(chain)
    const alice = newWallet()
    const funding = await fund(chain, alice.address, 9_000)
    const tip = await source.tip()
    expect(await source.headerByHash(tip.hash)).toEqual(tip)
    expect(await source.headerByHeight(tip.height + 1)).toBeUndefined()
    expect(await source.utxos(alice.address)).toEqual([
      { txid: funding.id('hex'), vout: 0, satoshis: 9_000, height: tip.height },
    ])
    expect((await source.utxosOfMany([alice.address])).get(alice.address)).toHaveLength(1)
    expect(await source.history(alice.address)).toEqual([{ txid: funding.id('hex'), height: tip.height }])
    expect(await source.rawTx(funding.id('hex'))).toBe(funding.toHex())
    expect(await source.txStatus([funding.id('hex'), '00'.repeat(32)])).toMatchObject([
      { state: 'confirmed', confirmations: 1 },
      { state: 'unknown' },
    ])
    expect((await source.merkleProof(funding.id('hex')))?.blockHash).toBe(tip.hash)
    await expect(source.utxos('nonsense')).rejects.toMatchObject({ code: 'CHAIN_BAD_RESPONSE' })
  })
})
