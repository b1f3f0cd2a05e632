/**
 * ChainSource over the WhatsOnChain REST API (CHAIN=main or test; in tests, the devnet's
 * WhatsOnChain-compatible API). Every request of the process draws from one token bucket
 * (WOC_RPS), so pollers, deposits and withdrawals together stay under WoC's limit; 429s, 5xx
 * answers, network errors and timeouts are retried with exponential backoff and jitter (a 429's
 * Retry-After is honoured). Every answer is checked against its schema before a field is read.
 *
 * Failures are ChainErrors with stable codes. A broadcast the network refuses is a value
 * ({ status: 'rejected' }), because a refusal is an answer, not an outage; "already known" counts
 * as accepted, so re-sending a transaction after a lost answer is always safe.
 *
 * The API key goes in `Authorization` (the SDK's form) and `woc-api-key` (go-whatsonchain's);
 * it is never logged or put in an error message.
 */
import type { TSchema } from '@sinclair/typebox'
import type { TypeCheck } from '@sinclair/typebox/compiler'
import type { AppLogger } from '../../logger.ts'
import { isHashHex, txidOfRawHex } from './bytes.ts'
import { type RequestLimiter, sharedWocLimiter, sleepMs } from './limiter.ts'
import { rootFromBranch } from './merkle.ts'
import { classifyNodeReply } from './reject.ts'
import {
  type BlockHeader,
  type BroadcastResult,
  ChainError,
  type ChainErrorCode,
  type ChainNetwork,
  type ChainSource,
  type HistoryItem,
  type MerkleProof,
  type TxStatus,
  type Utxo,
} from './source.ts'
import {
  compileCheck,
  WocBroadcastOk,
  WocBulkUnspent,
  WocHeader,
  WocHeaders,
  WocHistory,
  WocTscAnswer,
  type WocTscProof,
  WocTxStatus,
  type WocTxStatusItem,
  WocUnspent,
  type WocUtxo,
} from './woc-schema.ts'

export const DEFAULT_WOC_TIMEOUT_MS = 10_000
export const DEFAULT_WOC_MAX_ATTEMPTS = 4
export const DEFAULT_WOC_BACKOFF_BASE_MS = 500
export const DEFAULT_WOC_BACKOFF_MAX_MS = 8_000
/** A Retry-After longer than this is cut short: block sync would rather fail and poll again. */
export const DEFAULT_WOC_MAX_RETRY_AFTER_MS = 30_000
/** WoC's limit for bulk requests (addresses, txids). */
export const WOC_BULK_LIMIT = 20
/** History pages followed before giving up on the rest (each page is one request). */
const MAX_HISTORY_PAGES = 100
const MS_PER_SECOND = 1000
const NULL_HASH = '0'.repeat(64)
/** How much of a refusal's text is kept in the result. */
const MAX_MESSAGE_CHARS = 500

export function defaultWocBaseUrl(network: 'main' | 'test'): string {
  return `https://api.whatsonchain.com/v1/bsv/${network}`
}

export interface WhatsOnChainOptions {
  network: ChainNetwork
  /** Defaults to WoC's URL for main or test; required for devnet. */
  baseUrl?: string
  apiKey?: string
  /** Requests per second for the process-wide limiter (WOC_RPS); ignored when `limiter` is given. */
  requestsPerSecond?: number
  limiter?: RequestLimiter
  timeoutMs?: number
  /** Attempts per request, the first included. */
  maxAttempts?: number
  backoffBaseMs?: number
  backoffMaxMs?: number
  maxRetryAfterMs?: number
  logger?: AppLogger
}

interface WocRequest {
  method: 'GET' | 'POST'
  path: string
  body?: unknown
  /** For broadcasts: a 5xx whose text is a node's refusal is an answer, not an outage to retry. */
  isAnswer?: (status: number, text: string) => boolean
}

interface WocResponse {
  status: number
  text: string
}

interface Failure {
  code: ChainErrorCode
  message: string
  retryAfterMs?: number
}

const checks = {
  header: compileCheck(WocHeader),
  headers: compileCheck(WocHeaders),
  unspent: compileCheck(WocUnspent),
  bulkUnspent: compileCheck(WocBulkUnspent),
  history: compileCheck(WocHistory),
  txStatus: compileCheck(WocTxStatus),
  tsc: compileCheck(WocTscAnswer),
  broadcastOk: compileCheck(WocBroadcastOk),
}
type Check<T extends TSchema> = TypeCheck<T>

function badResponse(message: string): ChainError {
  return new ChainError('CHAIN_BAD_RESPONSE', `WhatsOnChain: ${message}`)
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * MS_PER_SECOND
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs)
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = []
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size))
  return result
}

function toHeader(woc: WocHeader): BlockHeader {
  if (woc.previousblockhash === undefined && woc.height !== 0) {
    throw badResponse(`header ${woc.height} has no previous block hash`)
  }
  return {
    height: woc.height,
    hash: woc.hash,
    prevHash: woc.previousblockhash ?? NULL_HASH,
    merkleRoot: woc.merkleroot,
    time: woc.time,
    // WoC has used all three names; nTx has been seen as 0 next to a real num_tx, so it comes last.
    // A header with none reports 0 ("not reported"): the count is informative, never used for money.
    txCount: woc.txcount ?? woc.num_tx ?? woc.nTx ?? 0,
  }
}

function toUtxos(items: readonly WocUtxo[], confirmed: boolean): Utxo[] {
  // Outputs that a mempool transaction already spends cannot be spent again.
  return items
    .filter((item) => item.isSpentInMempoolTx !== true)
    .map((item) => {
      if (confirmed && item.height === undefined) {
        throw badResponse(`confirmed output ${item.tx_hash} has no height`)
      }
      return {
        txid: item.tx_hash,
        vout: item.tx_pos,
        satoshis: item.value,
        height: confirmed ? item.height! : null,
      }
    })
}

function toTxStatus(item: WocTxStatusItem): TxStatus {
  const { txid } = item
  // WoC marks txids it has never seen with error 'unknown'; any other error says no more.
  if (item.error !== undefined) return { txid, state: 'unknown' }
  if (item.blockhash === undefined || item.blockheight === undefined || !(item.confirmations ?? 0)) {
    return { txid, state: 'mempool' }
  }
  return {
    txid,
    state: 'confirmed',
    blockHash: item.blockhash,
    blockHeight: item.blockheight,
    confirmations: item.confirmations!,
  }
}

function mergeUtxos(confirmed: Utxo[], unconfirmed: Utxo[]): Utxo[] {
  const seen = new Set(confirmed.map((utxo) => `${utxo.txid}:${utxo.vout}`))
  return [...confirmed, ...unconfirmed.filter((utxo) => !seen.has(`${utxo.txid}:${utxo.vout}`))]
}

export class WhatsOnChainSource implements ChainSource {
  readonly network: ChainNetwork
  private readonly baseUrl: string
  private readonly limiter: RequestLimiter
  private readonly headers: Record<string, string>
  private readonly timeoutMs: number
  private readonly maxAttempts: number
  private readonly backoffBaseMs: number
  private readonly backoffMaxMs: number
  private readonly maxRetryAfterMs: number
  private readonly log: AppLogger | undefined

  constructor(options: WhatsOnChainOptions) {
    this.network = options.network
    const baseUrl =
      options.baseUrl ?? (options.network === 'devnet' ? undefined : defaultWocBaseUrl(options.network))
    if (!baseUrl) throw new Error('the WhatsOnChain client needs a baseUrl for the devnet')
    this.baseUrl = baseUrl.replace(/\/+$/, '')
    this.limiter = options.limiter ?? sharedWocLimiter(options.requestsPerSecond ?? 3)
    this.headers = { accept: 'application/json' }
    if (options.apiKey) {
      this.headers.authorization = options.apiKey
      this.headers['woc-api-key'] = options.apiKey
    }
    this.timeoutMs = options.timeoutMs ?? DEFAULT_WOC_TIMEOUT_MS
    this.maxAttempts = options.maxAttempts ?? DEFAULT_WOC_MAX_ATTEMPTS
    this.backoffBaseMs = options.backoffBaseMs ?? DEFAULT_WOC_BACKOFF_BASE_MS
    this.backoffMaxMs = options.backoffMaxMs ?? DEFAULT_WOC_BACKOFF_MAX_MS
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_WOC_MAX_RETRY_AFTER_MS
    if (!(this.maxAttempts >= 1 && this.timeoutMs > 0)) throw new Error('invalid WhatsOnChain retry settings')
    this.log = options.logger?.child({ component: 'whatsonchain' })
  }

  // ---- Blocks ----

  async tip(): Promise<BlockHeader> {
    const headers = await this.getJson('/block/headers', checks.headers)
    if (headers === undefined) throw badResponse('no headers')
    return toHeader(headers[0]!)
  }

  async headerByHeight(height: number): Promise<BlockHeader | undefined> {
    if (!Number.isSafeInteger(height) || height < 0) return undefined
    const header = await this.getJson(`/block/${height}/header`, checks.header)
    if (header && header.height !== height) {
      throw badResponse(`asked for block ${height}, got ${header.height}`)
    }
    return header && toHeader(header)
  }

  async headerByHash(hash: string): Promise<BlockHeader | undefined> {
    if (!isHashHex(hash)) return undefined
    const header = await this.getJson(`/block/${hash}/header`, checks.header)
    if (header && header.hash !== hash) throw badResponse(`asked for block ${hash}, got ${header.hash}`)
    return header && toHeader(header)
  }

  // ---- Addresses ----

  async utxos(address: string): Promise<Utxo[]> {
    const path = `/address/${encodeURIComponent(address)}`
    const confirmed = await this.getJson(`${path}/confirmed/unspent`, checks.unspent)
    const unconfirmed = await this.getJson(`${path}/unconfirmed/unspent`, checks.unspent)
    return mergeUtxos(this.unspentItems(confirmed, true), this.unspentItems(unconfirmed, false))
  }

  async utxosOfMany(addresses: readonly string[]): Promise<Map<string, Utxo[]>> {
    const unique = [...new Set(addresses)]
    const result = new Map<string, Utxo[]>()
    for (const chunk of chunks(unique, WOC_BULK_LIMIT)) {
      const confirmed = await this.bulkUnspent('confirmed', chunk)
      const unconfirmed = await this.bulkUnspent('unconfirmed', chunk)
      for (const address of chunk) {
        result.set(address, mergeUtxos(confirmed.get(address)!, unconfirmed.get(address)!))
      }
    }
    return result
  }

  async history(address: string): Promise<HistoryItem[]> {
    const path = `/address/${encodeURIComponent(address)}`
    const confirmed = await this.historyPages(`${path}/confirmed/history`)
    const unconfirmed = await this.historyPages(`${path}/unconfirmed/history`)
    return [
      ...confirmed.map((item) => {
        if (item.height === undefined) {
          throw badResponse(`confirmed history item ${item.tx_hash} has no height`)
        }
        return { txid: item.tx_hash, height: item.height }
      }),
      ...unconfirmed.map((item) => ({ txid: item.tx_hash, height: null })),
    ]
  }

  private unspentItems(answer: WocUnspent | undefined, confirmed: boolean): Utxo[] {
    // WoC answers 404 for an address it has never seen: no outputs.
    if (answer === undefined) return []
    if (Array.isArray(answer)) return toUtxos(answer, confirmed)
    if (answer.error) throw badResponse(`unspent outputs: ${answer.error}`)
    return toUtxos(answer.result, confirmed)
  }

  private async bulkUnspent(
    part: 'confirmed' | 'unconfirmed',
    addresses: string[],
  ): Promise<Map<string, Utxo[]>> {
    const answer = await this.postJson(`/addresses/${part}/unspent`, { addresses }, checks.bulkUnspent)
    const byAddress = new Map<string, Utxo[]>()
    for (const item of answer) {
      if (item.error) throw badResponse(`unspent outputs of ${item.address}: ${item.error}`)
      byAddress.set(item.address, toUtxos(item.unspent, part === 'confirmed'))
    }
    for (const address of addresses) {
      if (!byAddress.has(address)) throw badResponse(`bulk unspent answer lacks ${address}`)
    }
    return byAddress
  }

  private async historyPages(path: string): Promise<Array<{ tx_hash: string; height?: number }>> {
    const items: Array<{ tx_hash: string; height?: number }> = []
    let token: string | undefined
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`
      const answer = await this.getJson(`${path}${query}`, checks.history)
      if (answer === undefined) return items
      if (Array.isArray(answer)) return [...items, ...answer]
      if (answer.error) throw badResponse(`history: ${answer.error}`)
      items.push(...answer.result)
      token = answer.nextPageToken || undefined
      if (token === undefined) return items
    }
    this.log?.warn({ path, pages: MAX_HISTORY_PAGES }, 'history has more pages than are followed')
    return items
  }

  // ---- Transactions ----

  async rawTx(txid: string): Promise<string | undefined> {
    if (!isHashHex(txid)) return undefined
    const response = await this.send({ method: 'GET', path: `/tx/${txid}/hex` })
    if (response.status === 404) return undefined
    this.expectOk(response, `/tx/${txid}/hex`)
    // WoC answers plain text; a JSON-quoted string is read too.
    const text = response.text.trim()
    const hex = text.startsWith('"') ? this.parseJson(text, `/tx/${txid}/hex`) : text
    if (typeof hex !== 'string' || txidOfRawHex(hex) !== txid) {
      throw badResponse(`raw transaction ${txid} does not hash to its txid`)
    }
    return hex.toLowerCase()
  }

  async broadcast(rawTxHex: string): Promise<BroadcastResult> {
    const hex = rawTxHex.trim()
    const txid = txidOfRawHex(hex)
    if (txid === undefined) {
      return { status: 'rejected', txid: '', code: 'malformed', message: 'not hex bytes' }
    }
    const response = await this.send({
      method: 'POST',
      path: '/tx/raw',
      body: { txhex: hex },
      isAnswer: (_status, text) => classifyNodeReply(text) !== undefined,
    })
    if (response.status >= 200 && response.status < 300) {
      // WoC answers the txid as a JSON string; a bare txid is read too.
      const body = response.text.trim()
      const answered = body.startsWith('"') ? this.parseJson(body, '/tx/raw') : body
      if (!checks.broadcastOk.Check(answered) || answered !== txid) {
        throw badResponse('broadcast answered another txid')
      }
      return { status: 'ok', txid }
    }
    const reply = classifyNodeReply(response.text)
    if (reply?.kind === 'already_known') return { status: 'ok', txid }
    // WoC refuses with 400 and the node's text. Any other status without a node's words (401,
    // 404...) says nothing about the transaction: it is a fault of the service or of this client.
    if (reply === undefined && response.status !== 400) this.expectOk(response, '/tx/raw')
    const message = response.text.trim().slice(0, MAX_MESSAGE_CHARS)
    this.log?.info({ txid, status: response.status, code: reply?.code ?? 'rejected' }, 'broadcast refused')
    return { status: 'rejected', txid, code: reply?.code ?? 'rejected', message }
  }

  async txStatus(txids: readonly string[]): Promise<TxStatus[]> {
    const byTxid = new Map<string, TxStatus>()
    for (const chunk of chunks([...new Set(txids)], WOC_BULK_LIMIT)) {
      const answer = await this.postJson('/txs/status', { txids: chunk }, checks.txStatus)
      for (const item of answer) byTxid.set(item.txid, toTxStatus(item))
    }
    // A txid the answer leaves out is one WoC cannot speak for: unknown, as WoC itself would say.
    return txids.map((txid) => byTxid.get(txid) ?? { txid, state: 'unknown' })
  }

  async merkleProof(txid: string): Promise<MerkleProof | undefined> {
    if (!isHashHex(txid)) return undefined
    const answer = await this.getJson(`/tx/${txid}/proof/tsc`, checks.tsc)
    const proofs: WocTscProof[] =
      answer === undefined || answer === null ? [] : Array.isArray(answer) ? answer : [answer]
    const proof = proofs[0]
    if (proof === undefined) return undefined
    if (proof.txOrId !== txid && txidOfRawHex(proof.txOrId) !== txid) {
      throw badResponse(`proof is for another transaction`)
    }
    const header = await this.headerByHash(proof.target)
    if (!header) throw badResponse(`proof of ${txid} names an unknown block ${proof.target}`)
    if (rootFromBranch(txid, proof.index, proof.nodes) !== header.merkleRoot) {
      throw badResponse(`proof of ${txid} does not lead to the Merkle root of block ${header.height}`)
    }
    return {
      txid,
      blockHash: header.hash,
      blockHeight: header.height,
      index: proof.index,
      nodes: proof.nodes,
    }
  }

  /** WhatsOnChain cannot push; block sync polls instead. */
  onNewTip(_listener: (tip: BlockHeader) => void): () => void {
    return () => {}
  }

  // ---- HTTP ----

  /** GET and check; undefined on 404. */
  private async getJson<T extends TSchema>(path: string, check: Check<T>) {
    const response = await this.send({ method: 'GET', path })
    if (response.status === 404) return undefined
    this.expectOk(response, path)
    return this.checked(response.text, path, check)
  }

  private async postJson<T extends TSchema>(path: string, body: unknown, check: Check<T>) {
    const response = await this.send({ method: 'POST', path, body })
    this.expectOk(response, path)
    return this.checked(response.text, path, check)
  }

  private checked<T extends TSchema>(text: string, path: string, check: Check<T>) {
    const data = this.parseJson(text, path)
    if (!check.Check(data)) {
      const first = check.Errors(data).First()
      throw badResponse(`${path} answered an unexpected shape (${first?.path || '/'} ${first?.message})`)
    }
    return data
  }

  private parseJson(text: string, path: string): unknown {
    try {
      return JSON.parse(text)
    } catch {
      throw badResponse(`${path} answered something that is not JSON`)
    }
  }

  /** Turns a final non-2xx answer into the ChainError it means. */
  private expectOk(response: WocResponse, path: string): void {
    const { status } = response
    if (status >= 200 && status < 300) return
    if (status === 401 || status === 403) {
      throw new ChainError(
        'CHAIN_UNAVAILABLE',
        `WhatsOnChain refused the credentials (${status}) for ${path}`,
        false,
      )
    }
    if (status >= 500) {
      throw new ChainError('CHAIN_UNAVAILABLE', `WhatsOnChain answered ${status} for ${path}`)
    }
    throw badResponse(`${path} answered ${status}`)
  }

  /**
   * One request with the limiter, a timeout and retries. Returns the first answer that is not a
   * 429 or 5xx (or that `isAnswer` accepts); throws a ChainError when the attempts run out.
   */
  private async send(request: WocRequest): Promise<WocResponse> {
    for (let attempt = 1; ; attempt++) {
      await this.limiter.take()
      const outcome = await this.attempt(request)
      if ('status' in outcome) return outcome
      if (attempt >= this.maxAttempts) {
        throw new ChainError(
          outcome.code,
          `WhatsOnChain ${request.path}: ${outcome.message} (${attempt} attempts)`,
        )
      }
      const delayMs = Math.min(
        Math.max(outcome.retryAfterMs ?? 0, this.backoffMs(attempt)),
        this.maxRetryAfterMs,
      )
      this.log?.warn(
        {
          path: request.path,
          attempt,
          code: outcome.code,
          reason: outcome.message,
          delayMs: Math.round(delayMs),
        },
        'WhatsOnChain request failed; retrying',
      )
      await sleepMs(delayMs)
    }
  }

  private async attempt(request: WocRequest): Promise<WocResponse | Failure> {
    const headers =
      request.body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' }
    try {
      const response = await fetch(`${this.baseUrl}${request.path}`, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
      const text = await response.text()
      const { status } = response
      if (status !== 429 && (status < 500 || request.isAnswer?.(status, text))) return { status, text }
      if (status === 429) {
        const retryAfterMs = parseRetryAfterMs(response.headers.get('retry-after'))
        return { code: 'CHAIN_RATE_LIMITED', message: 'rate limited (429)', retryAfterMs }
      }
      return { code: 'CHAIN_UNAVAILABLE', message: `server error ${status}` }
    } catch (error) {
      const name = (error as Error).name
      if (name === 'TimeoutError' || name === 'AbortError') {
        return { code: 'CHAIN_TIMEOUT', message: `no answer within ${this.timeoutMs} ms` }
      }
      return { code: 'CHAIN_UNAVAILABLE', message: `network error: ${(error as Error).message}` }
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, so retries spread out. */
  private backoffMs(attempt: number): number {
    const capMs = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** (attempt - 1))
    return capMs / 2 + (Math.random() * capMs) / 2
  }
}
