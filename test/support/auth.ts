/**
 * Wallet login for tests, with real signatures: a key signs the server's challenge the way the
 * built-in wallet and Yours v4 do (BSM) or the way a BRC-100 wallet does (createSignature with
 * LOGIN_PROTOCOL_ID, keyID = challenge id, counterparty 'anyone').
 */
import { BSM, PrivateKey, ProtoWallet, Utils } from '@bsv/sdk'
import { sql } from 'kysely'
import type { Response as InjectResponse } from 'light-my-request'
import {
  type ChallengeResponse,
  LOGIN_PROTOCOL_ID,
  type LoginRequest,
  SESSION_COOKIE,
} from '../../contracts/auth.ts'
import type { Db } from '../../src/adapters/db/database.ts'
import type { App } from '../../src/http/app.ts'

export type BsmIdentification = 'address' | 'publicKey' | 'both'

export function newKey(): PrivateKey {
  return PrivateKey.fromRandom()
}

export function bsmSign(message: string, key: PrivateKey): string {
  return BSM.sign(Utils.toArray(message, 'utf8'), key) as string
}

export async function brc100Sign(
  message: string,
  keyID: string,
  key: PrivateKey,
  protocolID: [0 | 1 | 2, string] = LOGIN_PROTOCOL_ID,
): Promise<string> {
  const { signature } = await new ProtoWallet(key).createSignature({
    data: Utils.toArray(message, 'utf8'),
    protocolID,
    keyID,
    counterparty: 'anyone',
  })
  return Utils.toHex(signature)
}

export async function requestChallenge(app: App, remoteAddress?: string): Promise<ChallengeResponse> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/challenge',
    ...(remoteAddress ? { remoteAddress } : {}),
  })
  if (response.statusCode !== 200)
    throw new Error(`challenge failed: ${response.statusCode} ${response.body}`)
  return response.json()
}

export function bsmLogin(
  challenge: ChallengeResponse,
  key: PrivateKey,
  identification: BsmIdentification = 'publicKey',
): LoginRequest {
  const publicKey = key.toPublicKey()
  return {
    method: 'bsm',
    challengeId: challenge.challengeId,
    signature: bsmSign(challenge.message, key),
    ...(identification === 'publicKey' ? {} : { address: publicKey.toAddress() }),
    ...(identification === 'address' ? {} : { publicKey: publicKey.toString() }),
  }
}

export async function brc100Login(challenge: ChallengeResponse, key: PrivateKey): Promise<LoginRequest> {
  return {
    method: 'brc100',
    challengeId: challenge.challengeId,
    signature: await brc100Sign(challenge.message, challenge.challengeId, key),
    identityKey: key.toPublicKey().toString(),
  }
}

export function postLogin(app: App, body: unknown, query = ''): Promise<InjectResponse> {
  return app.inject({ method: 'POST', url: `/api/v1/auth/login${query}`, payload: body as object })
}

/** Challenge, sign and log in; the response of the login. */
export async function signIn(
  app: App,
  key: PrivateKey,
  how: BsmIdentification | 'brc100' = 'publicKey',
  query = '',
): Promise<InjectResponse> {
  const challenge = await requestChallenge(app)
  const body = how === 'brc100' ? await brc100Login(challenge, key) : bsmLogin(challenge, key, how)
  return postLogin(app, body, query)
}

export interface SetCookie {
  value: string
  /** Attribute names in lower case; flags map to true. */
  attributes: Record<string, string | true>
}

/** The mp_session Set-Cookie of a response, parsed, or undefined when there is none. */
export function sessionSetCookie(response: InjectResponse): SetCookie | undefined {
  const header = response.headers['set-cookie']
  const lines = header === undefined ? [] : [header].flat()
  const line = lines.find((l) => l.startsWith(`${SESSION_COOKIE}=`))
  if (line === undefined) return undefined
  const [pair, ...attributeParts] = line.split(';').map((part) => part.trim())
  const attributes: Record<string, string | true> = {}
  for (const part of attributeParts) {
    const eq = part.indexOf('=')
    if (eq === -1) attributes[part.toLowerCase()] = true
    else attributes[part.slice(0, eq).toLowerCase()] = part.slice(eq + 1)
  }
  return { value: pair!.slice(SESSION_COOKIE.length + 1), attributes }
}

/** The session token a successful login set in the cookie. */
export function sessionToken(response: InjectResponse): string {
  const cookie = sessionSetCookie(response)
  if (cookie === undefined) throw new Error(`no session cookie: ${response.statusCode} ${response.body}`)
  return cookie.value
}

export function me(app: App, auth: { cookie?: string; bearer?: string } = {}): Promise<InjectResponse> {
  return app.inject({
    url: '/api/v1/auth/me',
    headers: {
      ...(auth.cookie === undefined ? {} : { cookie: `${SESSION_COOKIE}=${auth.cookie}` }),
      ...(auth.bearer === undefined ? {} : { authorization: `Bearer ${auth.bearer}` }),
    },
  })
}

export async function countRows(db: Db, table: 'sessions' | 'users' | 'auth_challenges'): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(
    db.kysely,
  )
  return result.rows[0]!.n
}
