/**
 * The devnet behind a WhatsOnChain-compatible HTTP API: the same paths and response shapes as
 * `https://api.whatsonchain.com/v1/bsv/<network>` (reference/bsv.md section 2), so the WhatsOnChain
 * client, wallets and scripts can be pointed at the local chain by changing only the base URL.
 * main mounts it at DEVNET_WOC_PREFIX. Refusals of POST /tx/raw are text, worded as WoC words them.
 *
 * These routes are not part of the Memepool API, so they stay out of its OpenAPI document.
 */

import { Hash as Sha } from '@bsv/sdk'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { type Static, Type } from '@sinclair/typebox'
import { AppError } from '../../../http/errors.ts'
import { bytesToHex, HASH_HEX_PATTERN, hexToBytes } from '../bytes.ts'
import { WOC_REFUSAL_PREFIX } from '../reject.ts'
import {
  WocBlock,
  WocBulkUnspent,
  WocChainInfo,
  WocHeader,
  WocHistoryWrapped,
  WocTscProof,
  WocTx,
  WocTxStatus,
  WocUnspentWrapped,
  type WocUtxo,
} from '../woc-schema.ts'
import { HEADER_BYTES, isCoinbaseStyle, REGTEST_DIFFICULTY, REGTEST_WORK_PER_BLOCK } from './block.ts'
import type { Devnet, DevnetUtxo } from './devnet.ts'
import type { DevnetBlock } from './state.ts'
import { addressOfPubKeyHash, isUnspendable, p2pkhHashOf, pubKeyHashOfAddress } from './tx-parse.ts'

/** Where main mounts this plugin: base URLs then read like WoC's `.../v1/bsv/<network>`. */
export const DEVNET_WOC_PREFIX = '/devnet/v1/bsv/devnet'
/** WoC's limit for bulk requests (addresses, txids). */
export const WOC_BULK_LIMIT = 20
/** How many headers GET /block/headers returns, newest first. */
const RECENT_HEADERS = 10
const SATS_PER_BSV = 100_000_000
/** Raw transactions larger than this (in hex characters) are refused before parsing. */
const MAX_TX_HEX_CHARS = 2_000_000

const Hash = Type.String({ pattern: HASH_HEX_PATTERN })
const Address = Type.String({ minLength: 25, maxLength: 35 })
const AddressParams = Type.Object({ address: Address })
const TxidParams = Type.Object({ txid: Hash })
const HIDDEN = { hide: true, tags: ['devnet'] }

function chainworkHex(height: number): string {
  return ((height + 1) * REGTEST_WORK_PER_BLOCK).toString(16).padStart(64, '0')
}

function wocHeader(devnet: Devnet, block: DevnetBlock): Static<typeof WocHeader> {
  return {
    hash: block.hash,
    confirmations: devnet.tip().height - block.height + 1,
    height: block.height,
    version: block.version,
    versionHex: block.version.toString(16).padStart(8, '0'),
    merkleroot: block.merkleRoot,
    time: block.time,
    mediantime: devnet.medianTimePast(block.height),
    nonce: block.nonce,
    bits: block.bits.toString(16).padStart(8, '0'),
    difficulty: REGTEST_DIFFICULTY,
    chainwork: chainworkHex(block.height),
    previousblockhash: block.height > 0 ? block.prevHash : undefined,
    nextblockhash: devnet.blockAt(block.height + 1)?.hash,
    txcount: block.txids.length,
  }
}

/** Bytes of a Bitcoin varint holding `count`. */
function varIntBytes(count: number): number {
  return count < 0xfd ? 1 : count <= 0xffff ? 3 : count <= 0xffffffff ? 5 : 9
}

function wocBlock(devnet: Devnet, block: DevnetBlock): Static<typeof WocBlock> {
  const txBytes = block.txids.reduce((sum, txid) => sum + devnet.transaction(txid)!.hex.length / 2, 0)
  const size = HEADER_BYTES + varIntBytes(block.txids.length) + txBytes
  return { ...wocHeader(devnet, block), size, tx: [...block.txids] }
}

/** WoC's "script" field: the SHA-256 of the P2PKH locking script, in display order. */
function scriptHashOf(pubKeyHash: string): string {
  const lockingScript = hexToBytes(`76a914${pubKeyHash}88ac`)
  return bytesToHex(Sha.sha256(lockingScript).reverse())
}

function wocUtxo(utxo: DevnetUtxo): WocUtxo {
  return {
    height: utxo.height ?? 0,
    tx_pos: utxo.vout,
    tx_hash: utxo.txid,
    value: utxo.satoshis,
    isSpentInMempoolTx: utxo.spentInMempool,
  }
}

function addressOrThrow(address: string): string {
  const pubKeyHash = pubKeyHashOfAddress(address)
  if (pubKeyHash === undefined) throw new AppError('INVALID_ADDRESS', { details: { address } })
  return pubKeyHash
}

function unspentAnswer(devnet: Devnet, address: string, part: 'confirmed' | 'unconfirmed') {
  const pubKeyHash = addressOrThrow(address)
  const unspent = devnet.unspentOf(address)!
  return { address, script: scriptHashOf(pubKeyHash), result: unspent[part].map(wocUtxo), error: '' }
}

function historyAnswer(devnet: Devnet, address: string, confirmed: boolean) {
  const pubKeyHash = addressOrThrow(address)
  const items = devnet.historyOf(address)!.filter((item) => (item.height !== null) === confirmed)
  return {
    address,
    script: scriptHashOf(pubKeyHash),
    result: items.map((item) => ({ tx_hash: item.txid, height: item.height ?? 0 })),
    error: '',
  }
}

function wocTx(devnet: Devnet, txid: string): Static<typeof WocTx> | undefined {
  const found = devnet.transaction(txid)
  if (!found) return undefined
  const { tx } = found
  const coinbase = isCoinbaseStyle(tx)
  const block = found.blockHash ? devnet.blockByHash(found.blockHash) : undefined
  return {
    txid,
    hash: txid,
    version: tx.version,
    size: found.hex.length / 2,
    locktime: tx.lockTime,
    vin: tx.inputs.map((input) => {
      const scriptHex = input.unlockingScript?.toHex() ?? ''
      const sequence = input.sequence ?? 0xffffffff
      if (coinbase) return { coinbase: scriptHex, sequence }
      return {
        txid: input.sourceTXID!,
        vout: input.sourceOutputIndex,
        scriptSig: { hex: scriptHex },
        sequence,
      }
    }),
    vout: tx.outputs.map((output, n) => {
      const hex = output.lockingScript.toHex()
      const pubKeyHash = p2pkhHashOf(hex)
      const type = pubKeyHash ? 'pubkeyhash' : isUnspendable(hex) ? 'nulldata' : 'nonstandard'
      const addresses = pubKeyHash ? [addressOfPubKeyHash(pubKeyHash)] : undefined
      return { n, value: (output.satoshis ?? 0) / SATS_PER_BSV, scriptPubKey: { hex, type, addresses } }
    }),
    blockhash: found.blockHash,
    blockheight: found.height ?? undefined,
    blocktime: block?.time,
    time: block?.time,
    confirmations: found.confirmations,
  }
}

function notFound(what: string): AppError {
  return new AppError('NOT_FOUND', { message: `Unknown ${what}.` })
}

/** GET routes about blocks and the chain. */
function blockRoutes(devnet: Devnet): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/chain/info', { schema: { ...HIDDEN, response: { 200: WocChainInfo } } }, async () => {
      const tip = devnet.tip()
      return {
        chain: 'devnet',
        blocks: tip.height,
        headers: tip.height,
        bestblockhash: tip.hash,
        difficulty: REGTEST_DIFFICULTY,
        mediantime: devnet.medianTimePast(tip.height),
        verificationprogress: 1,
        pruned: false,
        chainwork: chainworkHex(tip.height),
      }
    })

    app.get(
      '/block/headers',
      { schema: { ...HIDDEN, response: { 200: Type.Array(WocHeader) } } },
      async () => {
        const tipHeight = devnet.tip().height
        const heights = Array.from(
          { length: Math.min(RECENT_HEADERS, tipHeight + 1) },
          (_, i) => tipHeight - i,
        )
        return heights.map((height) => wocHeader(devnet, devnet.blockAt(height)!))
      },
    )

    const HeightParams = Type.Object({ height: Type.Integer({ minimum: 0 }) })
    app.get(
      '/block/height/:height',
      { schema: { ...HIDDEN, params: HeightParams, response: { 200: WocBlock } } },
      async (request) => {
        const block = devnet.blockAt(request.params.height)
        if (!block) throw notFound('block height')
        return wocBlock(devnet, block)
      },
    )

    app.get(
      '/block/hash/:hash',
      { schema: { ...HIDDEN, params: Type.Object({ hash: Hash }), response: { 200: WocBlock } } },
      async (request) => {
        const block = devnet.blockByHash(request.params.hash)
        if (!block) throw notFound('block hash')
        return wocBlock(devnet, block)
      },
    )

    const HeaderParams = Type.Object({ id: Type.String({ pattern: `^(?:\\d{1,10}|[0-9a-f]{64})$` }) })
    app.get(
      '/block/:id/header',
      { schema: { ...HIDDEN, params: HeaderParams, response: { 200: WocHeader } } },
      async (request) => {
        const { id } = request.params
        const block = id.length === 64 ? devnet.blockByHash(id) : devnet.blockAt(Number(id))
        if (!block) throw notFound('block')
        return wocHeader(devnet, block)
      },
    )
  }
}

/** Routes about addresses: unspent outputs and history, one by one and in bulk. */
function addressRoutes(devnet: Devnet): FastifyPluginAsyncTypebox {
  return async (app) => {
    for (const part of ['confirmed', 'unconfirmed'] as const) {
      app.get(
        `/address/:address/${part}/unspent`,
        { schema: { ...HIDDEN, params: AddressParams, response: { 200: WocUnspentWrapped } } },
        async (request) => unspentAnswer(devnet, request.params.address, part),
      )

      app.get(
        `/address/:address/${part}/history`,
        { schema: { ...HIDDEN, params: AddressParams, response: { 200: WocHistoryWrapped } } },
        async (request) => historyAnswer(devnet, request.params.address, part === 'confirmed'),
      )

      const BulkBody = Type.Object({
        addresses: Type.Array(Type.String({ maxLength: 100 }), { minItems: 1, maxItems: WOC_BULK_LIMIT }),
      })
      app.post(
        `/addresses/${part}/unspent`,
        { schema: { ...HIDDEN, body: BulkBody, response: { 200: WocBulkUnspent } } },
        async (request) =>
          request.body.addresses.map((address) => {
            const unspent = devnet.unspentOf(address)
            if (!unspent) return { address, unspent: [], error: 'Invalid address' }
            return { address, unspent: unspent[part].map(wocUtxo), error: '' }
          }),
      )
    }
  }
}

/** Routes about transactions: raw, decoded, status, proof, and broadcast. */
function txRoutes(devnet: Devnet): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/tx/:txid/hex', { schema: { ...HIDDEN, params: TxidParams } }, async (request, reply) => {
      const found = devnet.transaction(request.params.txid)
      if (!found) throw notFound('transaction')
      return reply.type('text/plain; charset=utf-8').send(found.hex)
    })

    app.get(
      '/tx/hash/:txid',
      { schema: { ...HIDDEN, params: TxidParams, response: { 200: WocTx } } },
      async (request) => {
        const tx = wocTx(devnet, request.params.txid)
        if (!tx) throw notFound('transaction')
        return tx
      },
    )

    const StatusBody = Type.Object({ txids: Type.Array(Hash, { minItems: 1, maxItems: WOC_BULK_LIMIT }) })
    app.post(
      '/txs/status',
      { schema: { ...HIDDEN, body: StatusBody, response: { 200: WocTxStatus } } },
      async (request) =>
        request.body.txids.map((txid) => {
          const status = devnet.txStatus(txid)
          if (status.state === 'unknown') return { txid, error: 'unknown' }
          if (status.state === 'mempool') return { txid }
          const blocktime = devnet.blockByHash(status.blockHash!)!.time
          return {
            txid,
            blockhash: status.blockHash,
            blockheight: status.blockHeight,
            blocktime,
            confirmations: status.confirmations,
          }
        }),
    )

    app.get(
      '/tx/:txid/proof/tsc',
      { schema: { ...HIDDEN, params: TxidParams, response: { 200: Type.Array(WocTscProof) } } },
      async (request) => {
        const { txid } = request.params
        if (!devnet.transaction(txid)) throw notFound('transaction')
        const proof = devnet.merkleProof(txid)
        // WoC has no proof for an unmined transaction yet: an empty answer, not an error.
        return proof
          ? [{ index: proof.index, nodes: proof.nodes, target: proof.blockHash, txOrId: txid }]
          : []
      },
    )

    const RawBody = Type.Object({ txhex: Type.String({ maxLength: MAX_TX_HEX_CHARS }) })
    app.post('/tx/raw', { schema: { ...HIDDEN, body: RawBody } }, async (request, reply) => {
      const result = await devnet.submit(request.body.txhex)
      if (result.status === 'ok')
        return reply.type('application/json; charset=utf-8').send(JSON.stringify(result.txid))
      return reply.code(400).type('text/plain; charset=utf-8').send(`${WOC_REFUSAL_PREFIX}${result.message}`)
    })
  }
}

/**
 * The WhatsOnChain-compatible API of `devnet`. Register it with
 * `app.register(devnetWocRoutes(devnet), { prefix: DEVNET_WOC_PREFIX })`.
 */
export function devnetWocRoutes(devnet: Devnet): FastifyPluginAsyncTypebox {
  return async (app) => {
    await app.register(blockRoutes(devnet))
    await app.register(addressRoutes(devnet))
    await app.register(txRoutes(devnet))
  }
}
