/**
 * Proves the WhatsOnChain client survives a misbehaving service, against a small local HTTP server
 * that answers as told: it retries 429 (waiting for Retry-After), 5xx and timeouts and then
 * succeeds; it gives up with CHAIN_UNAVAILABLE, CHAIN_RATE_LIMITED or CHAIN_TIMEOUT after its
 * attempts; it refuses garbage and wrong shapes with CHAIN_BAD_RESPONSE without retrying; it reads
 * both UTXO wrappers and follows history pages; it tells a refused broadcast from an outage; its
 * limiter spaces requests to the configured rate; and it sends the API key without ever logging it.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { TokenBucket } from '../../src/adapters/chain/limiter.ts'
import { merkleBranch, merkleRoot } from '../../src/adapters/chain/merkle.ts'
import { ChainError } from '../../src/adapters/chain/source.ts'
import {
  parseRetryAfterMs,
  type WhatsOnChainOptions,
  WhatsOnChainSource,
} from '../../src/adapters/chain/whatsonchain.ts'
import { createLogger } from '../../src/logger.ts'

interface Seen {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
  atMs: number
}

type Handler = (request: Seen, response: ServerResponse) => void

let server: Server
let baseUrl: string
let seen: Seen[] = []
let handler: Handler = (_request, response) => response.end()

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const entry = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
        atMs: performance.now(),
      }
      seen.push(entry)
      handler(entry, response)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/bsv/test`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

beforeEach(() => {
  seen = []
})

const TXID_A = 'a1'.repeat(32)
const TXID_B = 'b2'.repeat(32)
const HASH_1 = '11'.repeat(32)
const HASH_2 = '22'.repeat(32)

function header(height: number, overrides: Record<string, unknown> = {}) {
  return {
    hash: height === 1 ? HASH_1 : HASH_2,
    confirmations: 1,
    height,
    version: 536870912,
    merkleroot: TXID_A,
    time: 1_700_000_000 + height,
    nonce: 7,
    bits: '207fffff',
    previousblockhash: HASH_2,
    txcount: 1,
    ...overrides,
  }
}

function json(
  response: ServerResponse,
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(typeof body === 'string' ? body : JSON.stringify(body))
}

function text(response: ServerResponse, body: string, status: number): void {
  response.writeHead(status, { 'content-type': 'text/plain' })
  response.end(body)
}

/** Answers each request with the next handler; the last one repeats. */
function sequence(...handlers: Handler[]): void {
  let next = 0
  handler = (request, response) => handlers[Math.min(next++, handlers.length - 1)]!(request, response)
}

function client(options: Partial<WhatsOnChainOptions> = {}): WhatsOnChainSource {
  return new WhatsOnChainSource({
    network: 'test',
    baseUrl,
    limiter: new TokenBucket({ requestsPerSecond: 1000 }),
    timeoutMs: 2_000,
    maxAttempts: 3,
    backoffBaseMs: 10,
    backoffMaxMs: 40,
    ...options,
  })
}

async function chainError(promise: Promise<unknown>): Promise<ChainError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(ChainError)
  return error as ChainError
}

describe('retries', () => {
  it('waits for Retry-After on 429, then succeeds', async () => {
    sequence(
      (_q, r) => json(r, 'Too Many Requests', 429, { 'retry-after': '1' }),
      (_q, r) => json(r, [header(1)]),
    )
    const tip = await client().tip()
    expect(tip).toMatchObject({ height: 1, hash: HASH_1, prevHash: HASH_2, merkleRoot: TXID_A, txCount: 1 })
    expect(seen).toHaveLength(2)
    expect(seen[1]!.atMs - seen[0]!.atMs).toBeGreaterThanOrEqual(950)
  })

  it('retries a 500, then succeeds', async () => {
    sequence(
      (_q, r) => text(r, 'oops', 500),
      (_q, r) => json(r, header(1)),
    )
    expect((await client().headerByHeight(1))?.hash).toBe(HASH_1)
    expect(seen.map((request) => request.url)).toEqual([
      '/v1/bsv/test/block/1/header',
      '/v1/bsv/test/block/1/header',
    ])
  })

  it('gives up with CHAIN_UNAVAILABLE after the attempt limit on endless 5xx', async () => {
    handler = (_q, r) => text(r, 'down', 503)
    const error = await chainError(client({ maxAttempts: 3 }).tip())
    expect(error.code).toBe('CHAIN_UNAVAILABLE')
    expect(error.retryable).toBe(true)
    expect(seen).toHaveLength(3)
  })

  it('gives up with CHAIN_RATE_LIMITED on endless 429s', async () => {
    handler = (_q, r) => json(r, 'Too Many Requests', 429, { 'retry-after': '0' })
    expect((await chainError(client({ maxAttempts: 2 }).tip())).code).toBe('CHAIN_RATE_LIMITED')
    expect(seen).toHaveLength(2)
  })

  it('times out a hanging request with CHAIN_TIMEOUT', async () => {
    handler = () => {
      // Never answers.
    }
    const started = performance.now()
    const error = await chainError(client({ timeoutMs: 150, maxAttempts: 2 }).tip())
    expect(error.code).toBe('CHAIN_TIMEOUT')
    expect(seen).toHaveLength(2)
    expect(performance.now() - started).toBeLessThan(2_000)
    server.closeAllConnections()
  })

  it('reports an unreachable service as CHAIN_UNAVAILABLE', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const error = await chainError(client({ baseUrl: `http://127.0.0.1:${port}`, maxAttempts: 2 }).tip())
    expect(error.code).toBe('CHAIN_UNAVAILABLE')
  })

  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfterMs('3')).toBe(3_000)
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000)
    expect(parseRetryAfterMs('soon')).toBeUndefined()
    expect(parseRetryAfterMs(null)).toBeUndefined()
  })
})

describe('answers that cannot be trusted', () => {
  const cases: Array<[string, Handler, (c: WhatsOnChainSource) => Promise<unknown>]> = [
    ['garbage instead of JSON', (_q, r) => json(r, '<html>oops'), (c) => c.tip()],
    ['an empty header list', (_q, r) => json(r, []), (c) => c.tip()],
    ['a height that is text', (_q, r) => json(r, [header(1, { height: '1' })]), (c) => c.tip()],
    ['a hash that is not hex', (_q, r) => json(r, header(1, { hash: 'xyz' })), (c) => c.headerByHeight(1)],
    ['another block than asked', (_q, r) => json(r, header(2)), (c) => c.headerByHeight(1)],
    [
      'no previous hash above genesis',
      (_q, r) => json(r, header(1, { previousblockhash: undefined })),
      (c) => c.headerByHeight(1),
    ],
    [
      'a negative amount',
      (_q, r) => json(r, [{ height: 1, tx_pos: 0, tx_hash: TXID_A, value: -5 }]),
      (c) => c.utxos('1addr'),
    ],
    [
      'an error in the wrapper',
      (_q, r) => json(r, { result: [], error: 'Invalid address' }),
      (c) => c.utxos('1addr'),
    ],
    [
      'a confirmed output without height',
      (_q, r) => json(r, [{ tx_pos: 0, tx_hash: TXID_A, value: 5 }]),
      (c) => c.utxos('1addr'),
    ],
    [
      'a bulk answer missing an address',
      (_q, r) => json(r, [{ address: 'x', unspent: [], error: '' }]),
      (c) => c.utxosOfMany(['1addr']),
    ],
    ['statuses that are not a list', (_q, r) => json(r, { txid: TXID_A }), (c) => c.txStatus([TXID_A])],
    [
      'a broadcast answering another txid',
      (_q, r) => json(r, JSON.stringify(TXID_B)),
      (c) => c.broadcast('0100'),
    ],
    ['a raw tx that does not hash to its txid', (_q, r) => text(r, '0100', 200), (c) => c.rawTx(TXID_A)],
    ['an unexpected 400', (_q, r) => text(r, 'bad request', 400), (c) => c.tip()],
  ]

  for (const [name, answer, call] of cases) {
    it(`refuses ${name} with CHAIN_BAD_RESPONSE, without retrying`, async () => {
      handler = answer
      const error = await chainError(call(client()))
      expect(error.code).toBe('CHAIN_BAD_RESPONSE')
      expect(error.retryable).toBe(false)
      // Each URL was asked once: a bad answer is not retried.
      expect(new Set(seen.map((request) => request.url)).size).toBe(seen.length)
    })
  }

  it('refuses a Merkle proof that does not lead to the block root', async () => {
    const txids = [TXID_A, TXID_B, HASH_1]
    const nodes = merkleBranch(txids, 1)
    const proofRoute: Handler = (request, response) => {
      if (request.url.endsWith('/proof/tsc'))
        return json(response, [{ index: 1, nodes, target: HASH_2, txOrId: TXID_B }])
      return json(response, header(2, { hash: HASH_2, merkleroot: merkleRoot(txids) }))
    }
    handler = proofRoute
    expect(await client().merkleProof(TXID_B)).toEqual({
      txid: TXID_B,
      blockHash: HASH_2,
      blockHeight: 2,
      index: 1,
      nodes,
    })
    handler = (request, response) => {
      if (request.url.endsWith('/proof/tsc'))
        return json(response, { index: 0, nodes, target: HASH_2, txOrId: TXID_B })
      return proofRoute(request, response)
    }
    expect((await chainError(client().merkleProof(TXID_B))).code).toBe('CHAIN_BAD_RESPONSE')
  })
})

describe('shapes WhatsOnChain is known to use', () => {
  it('reads both UTXO wrappers and drops outputs spent in the mempool', async () => {
    handler = (request, response) => {
      if (request.url.includes('/confirmed/')) {
        return json(response, [
          { height: 5, tx_pos: 1, tx_hash: TXID_A, value: 1000 },
          { height: 6, tx_pos: 0, tx_hash: HASH_1, value: 9, isSpentInMempoolTx: true },
        ])
      }
      return json(response, {
        address: '1addr',
        script: 'ab',
        result: [{ height: 0, tx_pos: 0, tx_hash: TXID_B, value: 500 }],
        error: '',
      })
    }
    expect(await client().utxos('1addr')).toEqual([
      { txid: TXID_A, vout: 1, satoshis: 1000, height: 5 },
      { txid: TXID_B, vout: 0, satoshis: 500, height: null },
    ])
  })

  it('treats a 404 as "nothing there"', async () => {
    handler = (_q, r) => text(r, 'Not Found', 404)
    const c = client()
    expect(await c.headerByHeight(9)).toBeUndefined()
    expect(await c.rawTx(TXID_A)).toBeUndefined()
    expect(await c.merkleProof(TXID_A)).toBeUndefined()
    expect(await c.utxos('1addr')).toEqual([])
    expect(await c.history('1addr')).toEqual([])
  })

  it('follows history pages', async () => {
    handler = (request, response) => {
      if (request.url.includes('/unconfirmed/'))
        return json(response, { result: [{ tx_hash: TXID_B, height: 0 }] })
      if (request.url.includes('token=page%202'))
        return json(response, { result: [{ tx_hash: HASH_1, height: 8 }] })
      return json(response, { result: [{ tx_hash: TXID_A, height: 7 }], nextPageToken: 'page 2' })
    }
    expect(await client().history('1addr')).toEqual([
      { txid: TXID_A, height: 7 },
      { txid: HASH_1, height: 8 },
      { txid: TXID_B, height: null },
    ])
  })

  it('sends bulk requests in chunks of 20', async () => {
    handler = (request, response) => {
      const { addresses } = JSON.parse(request.body) as { addresses: string[] }
      json(
        response,
        addresses.map((address) => ({ address, unspent: [], error: '' })),
      )
    }
    const addresses = Array.from({ length: 45 }, (_, i) => `1addr${i}`)
    const result = await client().utxosOfMany(addresses)
    expect(result.size).toBe(45)
    const sizes = seen.map(
      (request) => (JSON.parse(request.body) as { addresses: string[] }).addresses.length,
    )
    expect(sizes).toEqual([20, 20, 20, 20, 5, 5])
  })
})

describe('broadcast', () => {
  // Any hex bytes will do: the client only hashes them; refusing is the server's part here.
  const RAW = '0100000000000000000000'

  it('takes a node refusal as a rejection, even behind a 500, without retrying', async () => {
    handler = (_q, r) => text(r, 'unexpected response code 500: 258: txn-mempool-conflict', 500)
    expect(await client().broadcast(RAW)).toMatchObject({ status: 'rejected', code: 'double_spend' })
    expect(seen).toHaveLength(1)
    handler = (_q, r) => text(r, 'unexpected response code 500: Missing inputs', 400)
    expect(await client().broadcast(RAW)).toMatchObject({ status: 'rejected', code: 'missing_inputs' })
    handler = (_q, r) => text(r, 'something we have never seen', 400)
    expect(await client().broadcast(RAW)).toMatchObject({
      status: 'rejected',
      code: 'rejected',
      message: 'something we have never seen',
    })
  })

  it('counts "already in the mempool" as accepted', async () => {
    handler = (_q, r) => text(r, 'unexpected response code 500: Transaction already in the mempool', 500)
    const result = await client().broadcast(RAW)
    expect(result.status).toBe('ok')
  })

  it('does not mistake an outage or a bad key for a refusal', async () => {
    handler = (_q, r) => text(r, 'Unauthorized', 401)
    const unauthorised = await chainError(client().broadcast(RAW))
    expect(unauthorised).toMatchObject({ code: 'CHAIN_UNAVAILABLE', retryable: false })
    handler = (_q, r) => text(r, 'gateway', 502)
    expect((await chainError(client({ maxAttempts: 2 }).broadcast(RAW))).code).toBe('CHAIN_UNAVAILABLE')
  })
})

describe('rate limit and API key', () => {
  it('spaces requests to the configured rate', async () => {
    handler = (_q, r) => json(r, header(1))
    const c = client({ limiter: new TokenBucket({ requestsPerSecond: 3 }) })
    const started = performance.now()
    await Promise.all(Array.from({ length: 7 }, () => c.headerByHeight(1)))
    // Six gaps of a third of a second: about two seconds, however the calls were issued.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_900)
    const times = seen.map((request) => request.atMs).sort((a, b) => a - b)
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(250)
  })

  it('shares one limiter between clients', async () => {
    handler = (_q, r) => json(r, header(1))
    const limiter = new TokenBucket({ requestsPerSecond: 10 })
    const clients = [client({ limiter }), client({ limiter })]
    const started = performance.now()
    await Promise.all(Array.from({ length: 6 }, (_, i) => clients[i % 2]!.headerByHeight(1)))
    expect(performance.now() - started).toBeGreaterThanOrEqual(450)
  })

  it('sends the API key in both headers and never logs it', async () => {
    const apiKey = 'secret-woc-key-5c2f'
    const lines: string[] = []
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(chunk.toString())
        callback()
      },
    })
    sequence(
      (_q, r) => text(r, 'down', 500),
      (_q, r) => json(r, header(1)),
      (_q, r) => text(r, 'down', 500),
    )
    const keyed = client({ apiKey, logger: createLogger('trace', stream), maxAttempts: 2 })
    await keyed.headerByHeight(1)
    const error = await chainError(keyed.headerByHeight(1))
    expect(seen[0]!.headers.authorization).toBe(apiKey)
    expect(seen[0]!.headers['woc-api-key']).toBe(apiKey)
    expect(lines.join('')).toContain('retrying')
    expect(lines.join('')).not.toContain(apiKey)
    expect(`${error.message} ${error.stack}`).not.toContain(apiKey)

    seen = []
    handler = (_q, r) => json(r, header(1))
    await client().headerByHeight(1)
    expect(seen[0]!.headers.authorization).toBeUndefined()
    expect(seen[0]!.headers['woc-api-key']).toBeUndefined()
  })
})
