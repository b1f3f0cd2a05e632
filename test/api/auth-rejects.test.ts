/**
 * Rejected login and session requests only (PeerTube check-params style). Each case asserts the
 * status, the error code, that no session cookie was set and that no session row was written:
 * forged and misdirected signatures, replayed, expired and foreign challenges, malformed
 * signatures, keys and addresses, keys that do not match, BRC-100 signatures made for another
 * protocol, key id or counterparty, and bodies of the wrong shape.
 */
import type { PrivateKey } from '@bsv/sdk'
import type { Response as InjectResponse } from 'light-my-request'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ChallengeResponse, LOGIN_PROTOCOL_ID, SESSION_COOKIE } from '../../contracts/auth.ts'
import type { ErrorCode } from '../../contracts/errors.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'
import {
  brc100Login,
  brc100Sign,
  bsmLogin,
  bsmSign,
  countRows,
  newKey,
  postLogin,
  requestChallenge,
  sessionToken,
  signIn,
} from '../support/auth.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

const START_MS = Date.parse('2026-03-01T12:00:00.000Z')
const FIVE_MINUTES_MS = 5 * 60_000
/** x = 5 is not the x of any point of secp256k1. */
const NOT_ON_CURVE = `02${'0'.repeat(63)}5`
/** An x beyond the field size, which a lax parser would silently reduce. */
const BEYOND_FIELD = `02${'f'.repeat(64)}`

let clockMs = START_MS
const now = () => new Date(clockMs)

let db: TestDb
let t: TestApp
beforeAll(async () => {
  db = await openTestDb()
  t = await buildTestApp({ db, deps: { now } })
})
afterAll(async () => {
  await t.close()
  await db.close()
})

async function expectRefused(send: () => Promise<InjectResponse>, status: number, code: ErrorCode) {
  const sessionsBefore = await countRows(db, 'sessions')
  const response = await send()
  expect(response.statusCode, response.body).toBe(status)
  expect(response.json().error.code).toBe(code)
  expect(response.headers['set-cookie']).toBeUndefined()
  expect(await countRows(db, 'sessions')).toBe(sessionsBefore)
  return response
}

const refusedLogin = (body: unknown, status: number, code: ErrorCode, query = '') =>
  expectRefused(() => postLogin(t.app, body, query), status, code)

async function freshBsm(key: PrivateKey = newKey()) {
  const challenge = await requestChallenge(t.app)
  return { challenge, key, body: bsmLogin(challenge, key, 'both') }
}

describe('POST /auth/login refuses forged and misdirected signatures', () => {
  it('a BSM signature by another key than the one named (SIGNATURE_INVALID)', async () => {
    const victim = newKey().toPublicKey()
    for (const claim of [
      { publicKey: victim.toString() },
      { address: victim.toAddress() },
      { publicKey: victim.toString(), address: victim.toAddress() },
    ]) {
      const challenge = await requestChallenge(t.app)
      const body = {
        method: 'bsm',
        challengeId: challenge.challengeId,
        signature: bsmSign(challenge.message, newKey()),
        ...claim,
      }
      await refusedLogin(body, 401, 'SIGNATURE_INVALID')
    }
  })

  it('a BSM signature over another message (SIGNATURE_INVALID)', async () => {
    const key = newKey()
    const first = await requestChallenge(t.app)
    const second = await requestChallenge(t.app)
    // Signed the second challenge's text but presented for the first.
    await refusedLogin({ ...bsmLogin(second, key), challengeId: first.challengeId }, 401, 'SIGNATURE_INVALID')
    const third = await requestChallenge(t.app)
    const altered = third.message.replace('Sign in to', 'Send all coins from')
    await refusedLogin(
      { ...bsmLogin(third, key), signature: bsmSign(altered, key) },
      401,
      'SIGNATURE_INVALID',
    )
  })

  it('a BRC-100 signature by another key than the identity key (SIGNATURE_INVALID)', async () => {
    const challenge = await requestChallenge(t.app)
    const body = {
      ...(await brc100Login(challenge, newKey())),
      identityKey: newKey().toPublicKey().toString(),
    }
    await refusedLogin(body, 401, 'SIGNATURE_INVALID')
  })

  it('a BRC-100 signature for another protocol, key id or counterparty (SIGNATURE_INVALID)', async () => {
    const key = newKey()
    const identityKey = key.toPublicKey().toString()
    const variants: Array<(c: ChallengeResponse) => Promise<string>> = [
      (c) => brc100Sign(c.message, c.challengeId, key, [2, 'other login']),
      (c) => brc100Sign(c.message, c.challengeId, key, [1, LOGIN_PROTOCOL_ID[1]]),
      (c) => brc100Sign(c.message, 'another-key-id', key),
      (c) => brc100Sign(`${c.message}\n`, c.challengeId, key),
    ]
    for (const sign of variants) {
      const challenge = await requestChallenge(t.app)
      const body = {
        method: 'brc100',
        challengeId: challenge.challengeId,
        signature: await sign(challenge),
        identityKey,
      }
      await refusedLogin(body, 401, 'SIGNATURE_INVALID')
    }
  })

  it('an address that does not belong to the public key (KEY_MISMATCH)', async () => {
    const { body } = await freshBsm()
    await refusedLogin({ ...body, address: newKey().toPublicKey().toAddress() }, 401, 'KEY_MISMATCH')
  })

  it('an address with a bad checksum (SIGNATURE_INVALID: no key hashes to it)', async () => {
    const { body } = await freshBsm()
    const address = body.method === 'bsm' ? body.address! : ''
    const last = address.at(-1) === '2' ? '3' : '2'
    const { publicKey: _, ...byAddress } = body as Record<string, unknown>
    await refusedLogin({ ...byAddress, address: address.slice(0, -1) + last }, 401, 'SIGNATURE_INVALID')
  })
})

describe('POST /auth/login refuses challenges that cannot be used', () => {
  it('a replayed challenge (CHALLENGE_USED)', async () => {
    const { body } = await freshBsm()
    expect((await postLogin(t.app, body)).statusCode).toBe(200)
    await refusedLogin(body, 401, 'CHALLENGE_USED')
  })

  it('a challenge already spent by a failed attempt (CHALLENGE_USED)', async () => {
    const { challenge, key, body } = await freshBsm()
    await refusedLogin(
      { ...body, signature: bsmSign(`${challenge.message}x`, key) },
      401,
      'SIGNATURE_INVALID',
    )
    await refusedLogin(body, 401, 'CHALLENGE_USED')
  })

  it('all but one of concurrent logins with one challenge (CHALLENGE_USED)', async () => {
    const { body } = await freshBsm()
    const sessionsBefore = await countRows(db, 'sessions')
    const responses = await Promise.all(Array.from({ length: 6 }, () => postLogin(t.app, body)))
    const refused = responses.filter((r) => r.statusCode !== 200)
    expect(responses.length - refused.length).toBe(1)
    for (const response of refused) {
      expect(response.statusCode).toBe(401)
      expect(response.json().error.code).toBe('CHALLENGE_USED')
      expect(response.headers['set-cookie']).toBeUndefined()
    }
    expect(await countRows(db, 'sessions')).toBe(sessionsBefore + 1)
  })

  it('an expired challenge, from the moment it expires (CHALLENGE_EXPIRED)', async () => {
    const key = newKey()
    const bsm = await freshBsm(key)
    const brc = await brc100Login(await requestChallenge(t.app), key)
    try {
      clockMs = START_MS + FIVE_MINUTES_MS
      await refusedLogin(bsm.body, 401, 'CHALLENGE_EXPIRED')
      await refusedLogin(brc, 401, 'CHALLENGE_EXPIRED')
    } finally {
      clockMs = START_MS
    }
  })

  it('a challenge this server never issued, e.g. one from another site (CHALLENGE_UNKNOWN)', async () => {
    const key = newKey()
    const foreign = {
      challengeId: 'c0ffee00-0000-4000-8000-000000000000',
      message: 'Sign in to Memepool\nSite: evil.example\nNonce: 00\nIssued: x\nExpires: y',
      expiresAt: new Date(START_MS + FIVE_MINUTES_MS).toISOString(),
    }
    await refusedLogin(bsmLogin(foreign, key), 401, 'CHALLENGE_UNKNOWN')
    await refusedLogin(await brc100Login(foreign, key), 401, 'CHALLENGE_UNKNOWN')

    const otherDb = await openTestDb()
    const otherServer = await buildTestApp({ db: otherDb, env: { PUBLIC_URL: 'https://other.example' } })
    const issuedElsewhere = await requestChallenge(otherServer.app)
    await otherServer.close()
    await otherDb.close()
    await refusedLogin(bsmLogin(issuedElsewhere, key), 401, 'CHALLENGE_UNKNOWN')
  })
})

describe('POST /auth/login refuses malformed signatures and keys', () => {
  it('BSM signatures that are not 65 bytes of base64 with a compressed-key header (SIGNATURE_MALFORMED)', async () => {
    const { body } = await freshBsm()
    const bytes = [...Buffer.from(body.signature, 'base64')]
    for (const signature of [
      '!'.repeat(88),
      'A'.repeat(88),
      Buffer.from(bytes.slice(0, 64)).toString('base64'),
      Buffer.from([...bytes, 1]).toString('base64'),
      Buffer.from([bytes[0]! - 4, ...bytes.slice(1)]).toString('base64'),
    ]) {
      const { body: fresh } = await freshBsm()
      await refusedLogin({ ...fresh, signature }, 401, 'SIGNATURE_MALFORMED')
    }
  })

  it('BRC-100 signatures that are not DER (SIGNATURE_MALFORMED)', async () => {
    for (const signature of ['abc', 'deadbeef', `30${'00'.repeat(70)}`]) {
      const body = await brc100Login(await requestChallenge(t.app), newKey())
      await refusedLogin({ ...body, signature }, 401, 'SIGNATURE_MALFORMED')
    }
  })

  it('public keys that are no point of the curve (PUBLIC_KEY_INVALID)', async () => {
    for (const publicKey of [NOT_ON_CURVE, BEYOND_FIELD]) {
      const { body } = await freshBsm()
      const { address: _, ...byKey } = body as Record<string, unknown>
      await refusedLogin({ ...byKey, publicKey }, 401, 'PUBLIC_KEY_INVALID')
      const brc = await brc100Login(await requestChallenge(t.app), newKey())
      await refusedLogin({ ...brc, identityKey: publicKey }, 401, 'PUBLIC_KEY_INVALID')
    }
  })

  it('public keys that are not compressed hex (PUBLIC_KEY_INVALID)', async () => {
    const key = newKey()
    const uncompressed = key.toPublicKey().encode(false, 'hex') as string
    for (const publicKey of [
      `02${'zz'.repeat(32)}`,
      uncompressed,
      key.toPublicKey().toString().slice(0, 64),
      '',
    ]) {
      const { body } = await freshBsm(key)
      await refusedLogin({ ...body, publicKey }, 401, 'PUBLIC_KEY_INVALID')
      const brc = await brc100Login(await requestChallenge(t.app), key)
      await refusedLogin({ ...brc, identityKey: publicKey }, 401, 'PUBLIC_KEY_INVALID')
    }
  })

  it('signatures of the wrong type or beyond the size limit (VALIDATION_FAILED)', async () => {
    const { body } = await freshBsm()
    for (const signature of ['A'.repeat(201), 42]) {
      await refusedLogin({ ...body, signature }, 400, 'VALIDATION_FAILED')
    }
  })

  it('empty and non-hex signatures (SIGNATURE_MALFORMED)', async () => {
    await refusedLogin({ ...(await freshBsm()).body, signature: '' }, 401, 'SIGNATURE_MALFORMED')
    const brc = await brc100Login(await requestChallenge(t.app), newKey())
    for (const signature of ['', '0', 'xyz0', `${brc.signature}g`]) {
      const fresh = await brc100Login(await requestChallenge(t.app), newKey())
      await refusedLogin({ ...fresh, signature }, 401, 'SIGNATURE_MALFORMED')
    }
  })

  it('addresses outside Base58 or of the wrong length (VALIDATION_FAILED)', async () => {
    const { body } = await freshBsm()
    for (const address of ['0OIl0OIl0OIl0OIl0OIl0OIl0OIl', '1abc', `1${'a'.repeat(40)}`]) {
      await refusedLogin({ ...body, address }, 400, 'VALIDATION_FAILED')
    }
  })
})

describe('POST /auth/login refuses bodies of the wrong shape (VALIDATION_FAILED)', () => {
  it('missing fields, an unknown method, extra fields, wrong types', async () => {
    const { body } = await freshBsm()
    const brc = await brc100Login(await requestChallenge(t.app), newKey())
    const { challengeId: _c, ...noChallenge } = body
    const { signature: _s, ...noSignature } = body
    const { method: _m, ...noMethod } = body
    const { identityKey: _k, ...noIdentityKey } = brc as Record<string, unknown>
    const { address: _a, publicKey: _p, ...noSigner } = body as Record<string, unknown>
    for (const bad of [
      {},
      [],
      noChallenge,
      noSignature,
      noMethod,
      noIdentityKey,
      noSigner,
      { ...body, method: 'ecdsa' },
      { ...body, method: 'brc100' },
      { ...body, extra: true },
      { ...brc, address: 'x' },
      { ...body, wallet: 'metamask' },
      { ...body, challengeId: 'x'.repeat(101) },
      { ...body, challengeId: 7 },
    ]) {
      await refusedLogin(bad, 400, 'VALIDATION_FAILED')
    }
  })

  it('an unknown value for ?bearer', async () => {
    const { body } = await freshBsm()
    await refusedLogin(body, 400, 'VALIDATION_FAILED', '?bearer=yes')
  })
})

describe('GET /auth/me refuses requests without a live session (UNAUTHORIZED)', () => {
  const refusedMe = (auth: { cookie?: string; bearer?: string; authorization?: string }) =>
    expectRefused(
      () =>
        t.app.inject({
          url: '/api/v1/auth/me',
          headers: {
            ...(auth.cookie === undefined ? {} : { cookie: `${SESSION_COOKIE}=${auth.cookie}` }),
            ...(auth.bearer === undefined ? {} : { authorization: `Bearer ${auth.bearer}` }),
            ...(auth.authorization === undefined ? {} : { authorization: auth.authorization }),
          },
        }),
      401,
      'UNAUTHORIZED',
    )

  it('no token, an unknown token, or a token in the wrong form', async () => {
    await refusedMe({})
    const unknown = 'A'.repeat(43)
    await refusedMe({ cookie: unknown })
    await refusedMe({ bearer: unknown })
    await refusedMe({ bearer: 'short' })
    await refusedMe({ cookie: `${'A'.repeat(42)}!` })
    await refusedMe({ authorization: 'Bearer' })
    await refusedMe({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })
  })

  it('a Bearer token given as something else, e.g. the token hash', async () => {
    const token = sessionToken(await signIn(t.app, newKey()))
    const { createHash } = await import('node:crypto')
    await refusedMe({ bearer: createHash('sha256').update(token).digest('hex') })
    await refusedMe({ bearer: `${token}x` })
  })

  it('a revoked session', async () => {
    const token = sessionToken(await signIn(t.app, newKey()))
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${token}` },
    })
    await refusedMe({ cookie: token })
    await refusedMe({ bearer: token })
  })

  it('an expired session', async () => {
    const token = sessionToken(await signIn(t.app, newKey()))
    try {
      clockMs = START_MS + 168 * 3_600_000
      await refusedMe({ cookie: token })
    } finally {
      clockMs = START_MS
    }
  })

  it('HEAD as well as GET', async () => {
    const response = await t.app.inject({ method: 'HEAD', url: '/api/v1/auth/me' })
    expect(response.statusCode).toBe(401)
    expect(response.headers['set-cookie']).toBeUndefined()
  })
})
