/**
 * Proves wallet login end to end (SPEC 7) with real signatures: a challenge names the site and
 * expires in five minutes; a BSM signature (identified by address, public key or both) or a
 * BRC-100 signature starts a session held in an HttpOnly cookie, also usable as a Bearer token;
 * one key is one user whichever way it signs; logout revokes; sessions expire; admins come from
 * ADMINS or, on the embedded database only, from being the first user; routes declare their
 * permission and get 401 or 403 from one hook; a signed-in client is rate limited by user.
 */
import { Type } from '@sinclair/typebox'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SESSION_COOKIE } from '../../contracts/auth.ts'
import type { ApiRoutes } from '../../src/http/app.ts'
import { requireUser } from '../../src/http/auth/plugin.ts'
import { hashSessionToken } from '../../src/services/auth/tokens.ts'
import { buildTestApp, type TestApp } from '../support/app.ts'
import {
  bsmLogin,
  me,
  newKey,
  postLogin,
  requestChallenge,
  sessionSetCookie,
  sessionToken,
  signIn,
} from '../support/auth.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

const START_MS = Date.parse('2026-03-01T12:00:00.000Z')
const FIVE_MINUTES_MS = 5 * 60_000
const WEEK_SECONDS = 168 * 3600

let clockMs = START_MS
const now = () => new Date(clockMs)

let db: TestDb
let t: TestApp
beforeAll(async () => {
  db = await openTestDb()
  t = await buildTestApp({ db, deps: { now } })
  // The first user of an embedded install becomes admin: take that seat, so users below are viewers.
  expect((await signIn(t.app, newKey())).json().user.role).toBe('admin')
})
afterAll(async () => {
  await t.close()
  await db.close()
})

describe('requires authentication', () => {
  it('answers GET /auth/me without a session with 401 UNAUTHORIZED', async () => {
    const response = await me(t.app)
    expect(response.statusCode).toBe(401)
    expect(response.json().error.code).toBe('UNAUTHORIZED')
  })
})

describe('POST /auth/challenge', () => {
  it('issues a message naming the site, with a nonce, the issue time and a 5-minute expiry', async () => {
    const challenge = await requestChallenge(t.app)
    const expiresAt = new Date(START_MS + FIVE_MINUTES_MS).toISOString()
    expect(challenge.expiresAt).toBe(expiresAt)
    expect(challenge.message).toMatch(
      new RegExp(
        '^Sign in to Memepool\\nSite: localhost:3000\\nNonce: [0-9a-f]{32}\\n' +
          `Issued: ${new Date(START_MS).toISOString()}\\nExpires: ${expiresAt}$`,
      ),
    )
    const again = await requestChallenge(t.app)
    expect(again.challengeId).not.toBe(challenge.challengeId)
    expect(again.message).not.toBe(challenge.message)
  })

  it('names SITE_NAME and the host of PUBLIC_URL', async () => {
    const other = await buildTestApp({
      db,
      env: { SITE_NAME: 'Dankpool', PUBLIC_URL: 'https://memes.example:8443' },
    })
    const { message } = await requestChallenge(other.app)
    expect(message.startsWith('Sign in to Dankpool\nSite: memes.example:8443\n')).toBe(true)
    await other.close()
  })
})

describe('POST /auth/login with a Bitcoin Signed Message', () => {
  it('signs in by address, by public key and by both, as one user per key', async () => {
    const key = newKey()
    const pub = key.toPublicKey()
    const ids = new Set<string>()
    for (const how of ['address', 'publicKey', 'both'] as const) {
      const response = await signIn(t.app, key, how)
      expect(response.statusCode, how).toBe(200)
      const body = response.json()
      expect(body.user).toMatchObject({
        address: pub.toAddress(),
        identityKey: pub.toString(),
        role: 'viewer',
      })
      ids.add(body.user.id)
    }
    expect(ids.size).toBe(1)
  })

  it('accepts the testnet form of the address, and records the node network’s form', async () => {
    const key = newKey()
    const challenge = await requestChallenge(t.app)
    const body = { ...bsmLogin(challenge, key, 'address'), address: key.toPublicKey().toAddress('testnet') }
    const response = await postLogin(t.app, body)
    expect(response.statusCode).toBe(200)
    expect(response.json().user.address).toBe(key.toPublicKey().toAddress())
  })

  it('sets an HttpOnly, SameSite=Lax, Path=/ session cookie lasting the session, token not in the body', async () => {
    const response = await signIn(t.app, newKey())
    const cookie = sessionSetCookie(response)
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(cookie?.attributes).toEqual({
      'max-age': String(WEEK_SECONDS),
      path: '/',
      httponly: true,
      samesite: 'Lax',
    })
    const body = response.json()
    expect(body.expiresAt).toBe(new Date(START_MS + WEEK_SECONDS * 1000).toISOString())
    expect(body).not.toHaveProperty('token')
    expect(response.body).not.toContain(cookie!.value)
  })

  it('marks the cookie Secure on an HTTPS site, with Max-Age from SESSION_TTL_HOURS', async () => {
    const https = await buildTestApp({
      db,
      env: { PUBLIC_URL: 'https://memes.example', SESSION_TTL_HOURS: '2' },
      deps: { now },
    })
    const response = await signIn(https.app, newKey())
    expect(sessionSetCookie(response)?.attributes).toMatchObject({ secure: true, 'max-age': '7200' })
    expect(response.json().expiresAt).toBe(new Date(START_MS + 7_200_000).toISOString())
    await https.close()
  })

  it('returns the token in the body when asked with ?bearer=1', async () => {
    for (const query of ['?bearer=1', '?bearer=true']) {
      const response = await signIn(t.app, newKey(), 'publicKey', query)
      expect(response.statusCode).toBe(200)
      expect(response.json().token).toBe(sessionToken(response))
    }
    const declined = await signIn(t.app, newKey(), 'publicKey', '?bearer=0')
    expect(declined.json()).not.toHaveProperty('token')
  })
})

describe('POST /auth/login with a BRC-100 signature', () => {
  it('signs in by identity key, without an address', async () => {
    const key = newKey()
    const response = await signIn(t.app, key, 'brc100')
    expect(response.statusCode).toBe(200)
    expect(response.json().user).toMatchObject({
      identityKey: key.toPublicKey().toString(),
      address: null,
      role: 'viewer',
    })
  })

  it('reaches the same user as BSM with the same key (Yours v4 then v5, and back)', async () => {
    const key = newKey()
    const v4 = (await signIn(t.app, key, 'publicKey')).json().user
    const v5 = (await signIn(t.app, key, 'brc100')).json().user
    expect(v5).toEqual(v4)

    const later = newKey()
    const brcFirst = (await signIn(t.app, later, 'brc100')).json().user
    const thenBsm = (await signIn(t.app, later, 'address')).json().user
    expect(thenBsm).toEqual({ ...brcFirst, address: later.toPublicKey().toAddress() })
  })
})

describe('challenges are single-use', () => {
  it('are left usable by a request refused for its shape, which never reaches them', async () => {
    const key = newKey()
    const challenge = await requestChallenge(t.app)
    const login = bsmLogin(challenge, key)
    const refused = await postLogin(t.app, { ...login, extra: 1 })
    expect(refused.statusCode).toBe(400)
    expect((await postLogin(t.app, login)).statusCode).toBe(200)
  })
})

describe('sessions', () => {
  it('are accepted from the cookie and as a Bearer token', async () => {
    const login = await signIn(t.app, newKey())
    const token = sessionToken(login)
    const byCookie = await me(t.app, { cookie: token })
    const byBearer = await me(t.app, { bearer: token })
    expect(byCookie.statusCode).toBe(200)
    expect(byBearer.statusCode).toBe(200)
    expect(byCookie.json()).toEqual({ user: login.json().user, expiresAt: login.json().expiresAt })
    expect(byBearer.json()).toEqual(byCookie.json())
  })

  it('prefer the Bearer token when both are sent', async () => {
    const alice = sessionToken(await signIn(t.app, newKey()))
    const bob = await signIn(t.app, newKey())
    const response = await me(t.app, { cookie: alice, bearer: sessionToken(bob) })
    expect(response.json().user.id).toBe(bob.json().user.id)
  })

  it('end at logout, which clears the cookie and may be repeated', async () => {
    const token = sessionToken(await signIn(t.app, newKey()))
    const cookie = `${SESSION_COOKIE}=${token}`
    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } })
    expect(logout.statusCode).toBe(204)
    expect(sessionSetCookie(logout)).toMatchObject({ value: '', attributes: { 'max-age': '0', path: '/' } })
    expect((await me(t.app, { cookie: token })).statusCode).toBe(401)
    expect((await me(t.app, { bearer: token })).statusCode).toBe(401)

    const again = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } })
    expect(again.statusCode).toBe(204)
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout' })
    expect(anonymous.statusCode).toBe(204)
  })

  it('end at logout with the Bearer token too', async () => {
    const token = sessionToken(await signIn(t.app, newKey()))
    const logout = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(logout.statusCode).toBe(204)
    expect((await me(t.app, { bearer: token })).statusCode).toBe(401)
  })

  it('expire after SESSION_TTL_HOURS', async () => {
    const token = sessionToken(await signIn(t.app, newKey()))
    try {
      clockMs = START_MS + WEEK_SECONDS * 1000 - 1000
      expect((await me(t.app, { cookie: token })).statusCode).toBe(200)
      clockMs = START_MS + WEEK_SECONDS * 1000
      const expired = await me(t.app, { cookie: token })
      expect(expired.statusCode).toBe(401)
      expect(expired.json().error.code).toBe('UNAUTHORIZED')
    } finally {
      clockMs = START_MS
    }
  })

  it('never have their token written to the logs', async () => {
    const traced = await buildTestApp({ db, logLevel: 'trace' })
    const login = await signIn(traced.app, newKey(), 'publicKey', '?bearer=1')
    const token = sessionToken(login)
    await me(traced.app, { cookie: token })
    await me(traced.app, { bearer: token })
    await traced.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: `${SESSION_COOKIE}=${token}` },
    })
    expect(traced.logs.length).toBeGreaterThan(0)
    expect(traced.rawLogs()).not.toContain(token)
    expect(traced.rawLogs()).not.toContain(`${SESSION_COOKIE}=`)
    await traced.close()
  })
})

describe('roles', () => {
  it('makes admins of the addresses and identity keys in ADMINS', async () => {
    const byAddress = newKey()
    const byKey = newKey()
    const brcByAddress = newKey()
    const admins = [
      byAddress.toPublicKey().toAddress(),
      byKey.toPublicKey().toString().toUpperCase(),
      brcByAddress.toPublicKey().toAddress('testnet'),
    ]
    const configured = await buildTestApp({ db, env: { ADMINS: admins.join(',') } })
    expect((await signIn(configured.app, byAddress, 'address')).json().user.role).toBe('admin')
    expect((await signIn(configured.app, byKey, 'brc100')).json().user.role).toBe('admin')
    expect((await signIn(configured.app, brcByAddress, 'brc100')).json().user.role).toBe('admin')
    expect((await signIn(configured.app, newKey())).json().user.role).toBe('viewer')
    await configured.close()
  })

  it('follows ADMINS on every request, so removing a name takes the rights away', async () => {
    const key = newKey()
    const withAdmin = await buildTestApp({ db, env: { ADMINS: key.toPublicKey().toString() } })
    const token = sessionToken(await signIn(withAdmin.app, key))
    expect((await me(withAdmin.app, { cookie: token })).json().user.role).toBe('admin')
    expect((await me(t.app, { cookie: token })).json().user.role).toBe('viewer')
    await withAdmin.close()
  })

  it('makes the first user admin on the embedded database only', async () => {
    const embeddedDb = await openTestDb()
    const embedded = await buildTestApp({ db: embeddedDb })
    expect((await signIn(embedded.app, newKey())).json().user.role).toBe('admin')
    expect((await signIn(embedded.app, newKey(), 'brc100')).json().user.role).toBe('viewer')
    await embedded.close()
    await embeddedDb.close()

    const serverDb = await openTestDb()
    // DATABASE_URL only tells the app it is not embedded; the test database is passed in.
    const server = await buildTestApp({
      db: serverDb,
      env: { DATABASE_URL: 'postgres://memepool@127.0.0.1/x' },
    })
    expect((await signIn(server.app, newKey())).json().user.role).toBe('viewer')
    await server.close()
    await serverDb.close()
  })
})

describe('routes that declare auth', () => {
  const declaring: ApiRoutes = async (app) => {
    app.get('/test/admin-only', { config: { auth: 'admin' } }, async (request) => ({
      id: requireUser(request).id,
    }))
    app.post(
      '/test/user-only',
      { config: { auth: 'user' }, schema: { body: Type.Object({ n: Type.Integer() }) } },
      async (request) => ({ n: request.body.n, role: requireUser(request).role }),
    )
  }
  let app: TestApp
  let admin: string
  let viewer: string
  beforeAll(async () => {
    const adminKey = newKey()
    app = await buildTestApp({
      db,
      env: { ADMINS: adminKey.toPublicKey().toString() },
      deps: { apiRoutes: [declaring] },
    })
    admin = sessionToken(await signIn(app.app, adminKey))
    viewer = sessionToken(await signIn(app.app, newKey()))
  })
  afterAll(async () => {
    await app.close()
  })

  const get = (token?: string) =>
    app.app.inject({
      url: '/api/v1/test/admin-only',
      headers: token ? { cookie: `${SESSION_COOKIE}=${token}` } : {},
    })

  it("give an admin route's 401 to strangers, 403 to viewers and 200 to admins", async () => {
    const stranger = await get()
    expect(stranger.statusCode).toBe(401)
    expect(stranger.json().error.code).toBe('UNAUTHORIZED')
    const refused = await get(viewer)
    expect(refused.statusCode).toBe(403)
    expect(refused.json().error.code).toBe('FORBIDDEN')
    expect((await get(admin)).statusCode).toBe(200)
  })

  it('refuse a stranger before the body is validated, and let a user through', async () => {
    const post = (payload: object, token?: string) =>
      app.app.inject({
        method: 'POST',
        url: '/api/v1/test/user-only',
        payload,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      })
    const stranger = await post({ n: 'not a number' })
    expect(stranger.statusCode).toBe(401)
    expect((await post({ n: 'not a number' }, viewer)).statusCode).toBe(400)
    const ok = await post({ n: 7 }, viewer)
    expect(ok.statusCode).toBe(200)
    expect(ok.json()).toEqual({ n: 7, role: 'viewer' })
  })
})

describe('rate limit', () => {
  it('counts a signed-in client by user, wherever it comes from, and strangers by IP', async () => {
    const limited = await buildTestApp({ db, env: { RATE_LIMIT_API_PER_MIN: '3' } })
    const key = newKey()
    const challenge = await requestChallenge(limited.app, '10.0.0.1')
    const login = await limited.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login?bearer=1',
      payload: bsmLogin(challenge, key),
      remoteAddress: '10.0.0.1',
    })
    const token = login.json().token as string
    const asUser = (ip: string) =>
      limited.app.inject({
        url: '/api/v1/auth/me',
        headers: { authorization: `Bearer ${token}` },
        remoteAddress: ip,
      })
    expect((await asUser('10.0.0.2')).statusCode).toBe(200)
    expect((await asUser('10.0.0.3')).statusCode).toBe(200)
    expect((await asUser('10.0.0.4')).statusCode).toBe(200)
    expect((await asUser('10.0.0.5')).statusCode).toBe(429)
    // 10.0.0.1 used two of its three requests anonymously; the user's count is not its own.
    expect((await limited.app.inject({ url: '/api/v1/info', remoteAddress: '10.0.0.1' })).statusCode).toBe(
      200,
    )
    expect((await limited.app.inject({ url: '/api/v1/info', remoteAddress: '10.0.0.1' })).statusCode).toBe(
      429,
    )
    await limited.close()
  })
})

describe('database', () => {
  it('keeps only the SHA-256 of each session token', async () => {
    const token = sessionToken(await signIn(t.app, newKey()))
    const hashes = (await db.kysely.selectFrom('sessions').select('token_hash').execute()).map(
      (r) => r.token_hash,
    )
    expect(hashes).toContain(hashSessionToken(token))
    expect(hashes).not.toContain(token)
  })
})
