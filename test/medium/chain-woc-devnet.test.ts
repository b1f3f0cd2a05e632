/**
 * Proves the WhatsOnChain client and the devnet's WhatsOnChain-compatible API agree, end to end
 * over real HTTP: the client, pointed at a listening devnet by base URL, reads the tip, headers by
 * height and hash, unspent outputs (one by one and in bulk), history, raw transactions, statuses
 * and Merkle proofs, and broadcasts a real signed transaction (accepted, re-sent, and refused with
 * the right code). Also proves the devnet control routes (faucet, mine) answer with the API's
 * error codes, and DEVNET_ONLY when there is no devnet.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ErrorBody } from '../../contracts/errors.ts'
import { devnetControlRoutes } from '../../src/adapters/chain/devnet/control-routes.ts'
import type { Devnet } from '../../src/adapters/chain/devnet/devnet.ts'
import { DEVNET_WOC_PREFIX, devnetWocRoutes } from '../../src/adapters/chain/devnet/http.ts'
import { TokenBucket } from '../../src/adapters/chain/limiter.ts'
import { rootFromBranch } from '../../src/adapters/chain/merkle.ts'
import { WhatsOnChainSource } from '../../src/adapters/chain/whatsonchain.ts'
import { errorBody, toAppError } from '../../src/http/errors.ts'
import { strictBodyValidatorFactory } from '../../src/http/validation.ts'
import { buildSpend, fund, newWallet, openTestDevnet } from '../chain/support.ts'

let devnet: Devnet
let closeDevnet: () => Promise<void>
let app: FastifyInstance
let client: WhatsOnChainSource

/** The app's validation and error shape, without its database, auth and web app. */
function testServer(): FastifyInstance {
  const server = Fastify({
    schemaController: { compilersFactory: { buildValidator: strictBodyValidatorFactory() } },
  })
  server.addSchema(ErrorBody)
  server.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error)
    return reply.code(appError.statusCode).send(errorBody(appError, request.id))
  })
  return server.withTypeProvider<TypeBoxTypeProvider>()
}

beforeAll(async () => {
  ;({ devnet, close: closeDevnet } = await openTestDevnet())
  app = testServer()
  await app.register(devnetWocRoutes(devnet), { prefix: DEVNET_WOC_PREFIX })
  await app.register(devnetControlRoutes(devnet), { prefix: '/api/v1' })
  const address = await app.listen({ port: 0, host: '127.0.0.1' })
  client = new WhatsOnChainSource({
    network: 'devnet',
    baseUrl: `${address}${DEVNET_WOC_PREFIX}`,
    limiter: new TokenBucket({ requestsPerSecond: 1000 }),
    timeoutMs: 5_000,
    maxAttempts: 2,
    backoffBaseMs: 10,
  })
})

afterAll(async () => {
  await app.close()
  await closeDevnet()
})

describe('WhatsOnChain client against the devnet API', () => {
  it('reads the tip and headers by height and by hash', async () => {
    await devnet.mine(3)
    const tip = await client.tip()
    expect(tip).toEqual(devnet.tip())
    const genesis = await client.headerByHeight(0)
    expect(genesis).toMatchObject({ height: 0, prevHash: '0'.repeat(64), txCount: 1 })
    const middle = await client.headerByHeight(tip.height - 1)
    expect(middle?.hash).toBe(tip.prevHash)
    expect(await client.headerByHash(tip.hash)).toEqual(tip)
    expect(await client.headerByHeight(tip.height + 100)).toBeUndefined()
    expect(await client.headerByHash('ab'.repeat(32))).toBeUndefined()
  })

  it('reads unspent outputs and history, one by one and in bulk', async () => {
    const alice = newWallet()
    const bob = newWallet()
    const funding = await fund(devnet, alice.address, 70_000)
    const fundedAt = devnet.tip().height
    const spend = await buildSpend({
      source: funding,
      key: alice.key,
      to: bob.address,
      satoshis: 30_000,
      change: alice.address,
    })
    expect(await client.broadcast(spend.toHex())).toEqual({ status: 'ok', txid: spend.id('hex') })

    // In the mempool: the funding output is spent there, so only the unconfirmed change is spendable.
    expect(await client.utxos(alice.address)).toEqual([
      { txid: spend.id('hex'), vout: 1, satoshis: 70_000 - 30_000 - spend.getFee(), height: null },
    ])
    const many = await client.utxosOfMany([alice.address, bob.address, newWallet().address])
    expect(many.get(bob.address)).toEqual([
      { txid: spend.id('hex'), vout: 0, satoshis: 30_000, height: null },
    ])
    expect(many.get(alice.address)).toHaveLength(1)
    expect([...many.values()][2]).toEqual([])
    expect(await client.history(alice.address)).toEqual([
      { txid: funding.id('hex'), height: fundedAt },
      { txid: spend.id('hex'), height: null },
    ])

    const mined = await devnet.mine(1)
    expect(await client.utxos(bob.address)).toEqual([
      { txid: spend.id('hex'), vout: 0, satoshis: 30_000, height: mined.height },
    ])
    expect(await client.history(bob.address)).toEqual([{ txid: spend.id('hex'), height: mined.height }])
  })

  it('fetches more than 20 addresses in chunks', async () => {
    const wallets = Array.from({ length: 23 }, () => newWallet())
    for (const wallet of wallets.slice(0, 3)) await devnet.faucet(wallet.address, 500)
    const many = await client.utxosOfMany(wallets.map((wallet) => wallet.address))
    expect(many.size).toBe(23)
    expect(wallets.map((wallet) => many.get(wallet.address)!.length)).toEqual([1, 1, 1, ...Array(20).fill(0)])
  })

  it('reads raw transactions, statuses and Merkle proofs', async () => {
    const alice = newWallet()
    const funding = await fund(devnet, alice.address, 5_000)
    const pending = await devnet.faucet(alice.address, 6_000)
    const pendingTxid = pending.status === 'ok' ? pending.txid : ''
    expect(await client.rawTx(funding.id('hex'))).toBe(funding.toHex())
    expect(await client.rawTx('cd'.repeat(32))).toBeUndefined()

    const statuses = await client.txStatus([funding.id('hex'), pendingTxid, 'cd'.repeat(32)])
    expect(statuses).toEqual([
      {
        txid: funding.id('hex'),
        state: 'confirmed',
        blockHash: devnet.tip().hash,
        blockHeight: devnet.tip().height,
        confirmations: 1,
      },
      { txid: pendingTxid, state: 'mempool' },
      { txid: 'cd'.repeat(32), state: 'unknown' },
    ])

    const proof = await client.merkleProof(funding.id('hex'))
    expect(proof).toEqual(devnet.merkleProof(funding.id('hex')))
    expect(rootFromBranch(proof!.txid, proof!.index, proof!.nodes)).toBe(devnet.tip().merkleRoot)
    expect(await client.merkleProof(pendingTxid)).toBeUndefined()
    expect(await client.merkleProof('cd'.repeat(32))).toBeUndefined()
  })

  it('broadcasts: accepted, accepted again when re-sent, refused with a code', async () => {
    const alice = newWallet()
    const funding = await fund(devnet, alice.address, 20_000)
    const spend = await buildSpend({
      source: funding,
      key: alice.key,
      to: newWallet().address,
      satoshis: 10_000,
    })
    const rival = await buildSpend({
      source: funding,
      key: alice.key,
      to: newWallet().address,
      satoshis: 11_000,
    })

    expect(await client.broadcast(spend.toHex())).toEqual({ status: 'ok', txid: spend.id('hex') })
    expect(await client.broadcast(spend.toHex())).toEqual({ status: 'ok', txid: spend.id('hex') })
    const doubleSpend = await client.broadcast(rival.toHex())
    expect(doubleSpend).toMatchObject({ status: 'rejected', txid: rival.id('hex'), code: 'double_spend' })
    expect(doubleSpend.status === 'rejected' && doubleSpend.message).toMatch(
      /^unexpected response code 500: /,
    )
    expect(await client.broadcast('0100')).toMatchObject({ status: 'rejected', code: 'malformed' })
    expect(await client.broadcast('not hex')).toMatchObject({
      status: 'rejected',
      code: 'malformed',
      txid: '',
    })

    const other = await fund(devnet, alice.address, 20_000)
    const badSignature = await buildSpend({
      source: other,
      key: newWallet().key,
      to: alice.address,
      satoshis: 1_000,
    })
    expect(await client.broadcast(badSignature.toHex())).toMatchObject({
      status: 'rejected',
      code: 'bad_script',
    })
    const noFee = await buildSpend({
      source: other,
      key: alice.key,
      to: alice.address,
      satoshis: 20_000,
      fixedFeeSats: 0,
    })
    expect(await client.broadcast(noFee.toHex())).toMatchObject({ status: 'rejected', code: 'fee_too_low' })
  })
})

describe('devnet control routes', () => {
  it('pays from the faucet and mines on request', async () => {
    const alice = newWallet()
    const paid = await app.inject({
      method: 'POST',
      url: '/api/v1/devnet/faucet',
      payload: { address: alice.address, satoshis: 1_000 },
    })
    expect(paid.statusCode).toBe(200)
    const { txid } = paid.json()
    expect(devnet.txStatus(txid).state).toBe('mempool')

    const before = devnet.tip().height
    const mined = await app.inject({ method: 'POST', url: '/api/v1/devnet/mine', payload: { count: 2 } })
    expect(mined.statusCode).toBe(200)
    expect(mined.json().tip).toEqual(devnet.tip())
    expect(devnet.tip().height).toBe(before + 2)
    expect(devnet.txStatus(txid)).toMatchObject({ state: 'confirmed', confirmations: 2 })

    const once = await app.inject({ method: 'POST', url: '/api/v1/devnet/mine' })
    expect(once.statusCode).toBe(200)
    expect(devnet.tip().height).toBe(before + 3)
  })

  it('refuses bad input with the API error codes', async () => {
    const post = (url: string, payload: unknown) =>
      app.inject({ method: 'POST', url: `/api/v1/devnet/${url}`, payload: payload as object })
    const badAddress = await post('faucet', { address: '1BoatSLRHtKNngkdXEeobR76b53LETtpyU', satoshis: 10 })
    expect(badAddress.statusCode).toBe(400)
    expect(badAddress.json().error.code).toBe('INVALID_ADDRESS')
    expect(
      (await post('faucet', { address: newWallet().address, satoshis: 1_000_000_001 })).json().error.code,
    ).toBe('VALIDATION_FAILED')
    expect((await post('faucet', { address: newWallet().address, satoshis: '10' })).json().error.code).toBe(
      'VALIDATION_FAILED',
    )
    expect((await post('mine', { count: 101 })).json().error.code).toBe('VALIDATION_FAILED')
    expect((await post('mine', { count: 0 })).json().error.code).toBe('VALIDATION_FAILED')
  })

  it('answers DEVNET_ONLY when the chain is not the devnet', async () => {
    const server = testServer()
    await server.register(devnetControlRoutes(undefined), { prefix: '/api/v1' })
    const response = await server.inject({ method: 'POST', url: '/api/v1/devnet/mine', payload: {} })
    expect(response.statusCode).toBe(404)
    expect(response.json().error.code).toBe('DEVNET_ONLY')
    await server.close()
  })
})

describe('the devnet API itself', () => {
  it('answers in WhatsOnChain shapes', async () => {
    const base = DEVNET_WOC_PREFIX
    const info = (await app.inject({ url: `${base}/chain/info` })).json()
    expect(info).toMatchObject({
      chain: 'devnet',
      blocks: devnet.tip().height,
      bestblockhash: devnet.tip().hash,
    })
    const headers = (await app.inject({ url: `${base}/block/headers` })).json()
    expect(headers[0].height).toBe(devnet.tip().height)
    expect(headers[1].height).toBe(devnet.tip().height - 1)
    const block = (await app.inject({ url: `${base}/block/height/1` })).json()
    expect(block).toMatchObject({
      height: 1,
      tx: devnet.blockAt(1)!.txids,
      txcount: devnet.blockAt(1)!.txids.length,
    })
    expect((await app.inject({ url: `${base}/block/hash/${block.hash}` })).json().height).toBe(1)

    const alice = newWallet()
    const funding = await fund(devnet, alice.address, 123_456)
    const unspent = (await app.inject({ url: `${base}/address/${alice.address}/confirmed/unspent` })).json()
    expect(unspent).toMatchObject({ address: alice.address, error: '' })
    expect(unspent.result).toEqual([
      {
        height: devnet.tip().height,
        tx_pos: 0,
        tx_hash: funding.id('hex'),
        value: 123_456,
        isSpentInMempoolTx: false,
      },
    ])
    const decoded = (await app.inject({ url: `${base}/tx/hash/${funding.id('hex')}` })).json()
    expect(decoded.vout[0]).toEqual({
      n: 0,
      value: 0.00123456,
      scriptPubKey: {
        hex: funding.outputs[0]!.lockingScript.toHex(),
        type: 'pubkeyhash',
        addresses: [alice.address],
      },
    })
    expect(decoded).toMatchObject({ blockheight: devnet.tip().height, confirmations: 1 })
    const hex = await app.inject({ url: `${base}/tx/${funding.id('hex')}/hex` })
    expect(hex.headers['content-type']).toContain('text/plain')
    expect(hex.body).toBe(funding.toHex())
    const proof = (await app.inject({ url: `${base}/tx/${funding.id('hex')}/proof/tsc` })).json()
    expect(proof).toEqual([
      { index: 1, nodes: expect.any(Array), target: devnet.tip().hash, txOrId: funding.id('hex') },
    ])
    const refused = await app.inject({ method: 'POST', url: `${base}/tx/raw`, payload: { txhex: 'zz' } })
    expect(refused.statusCode).toBe(400)
    expect(refused.body).toBe('unexpected response code 500: TX decode failed')
    expect(
      (await app.inject({ url: `${base}/address/1BoatSLRHtKNngkdXEeobR76b53LETtpyU/confirmed/unspent` }))
        .statusCode,
    ).toBe(400)
  })
})
