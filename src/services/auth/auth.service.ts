/**
 * Wallet login and sessions (SPEC 7). The rules:
 *
 * Challenges. Each names the site (SITE_NAME and the host of PUBLIC_URL, so a signature made for
 * another site is useless here), carries a random nonce and its issue and expiry times, and
 * lives five minutes. A challenge serves ONE login attempt: the first attempt that names a live
 * challenge consumes it, whether or not its signature verifies, so a signature can never be
 * tried twice against one challenge and a failed wallet simply asks for a new one. Only a
 * request that fails schema validation (400 VALIDATION_FAILED) leaves the challenge untouched.
 * The consuming update and the new session are one transaction: of two concurrent logins with
 * one challenge, exactly one consumes it, and the other gets CHALLENGE_USED.
 *
 * Users. A user is the holder of one key: both methods prove control of a secp256k1 public key
 * (BSM by verifying or recovering it, BRC-100 by its identity key), and the user is found or
 * created by that key. So Yours Wallet v4 (signMessage, which signs with the identity key) and
 * v5 (BRC-100, the same identity key) reach the same account. `address` is the key's P2PKH
 * address on this node's network (testnet for CHAIN=test, else mainnet), recorded once the user
 * signs in with BSM, where an address is what the wallet shows; BRC-100 proves no address, and
 * an identity key's address is not one that BRC-100 wallets watch for payments.
 *
 * Roles. The stored role is 'viewer', except that with the embedded database (no DATABASE_URL)
 * the very first user becomes 'admin', so a fresh install has an administrator. Anyone named in
 * ADMINS is admin as well, decided afresh on every request (see admins.ts).
 *
 * Sessions. A random token (tokens.ts) whose SHA-256 is stored, valid until its expiry unless
 * revoked. last_seen_at is refreshed at most once a minute, so a busy client is not a write per
 * request.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { LoginRequest } from '../../../contracts/auth.ts'
import type { ValidationIssue } from '../../../contracts/errors.ts'
import { Batcher } from '../../adapters/db/batcher.ts'
import type { Database, UserRole } from '../../adapters/db/schema.ts'
import type { ChainNetwork } from '../../config.ts'
import { assert } from '../../domain/money.ts'
import { AdminList } from './admins.ts'
import { type ChallengeRow, ChallengesRepository } from './challenges.repository.ts'
import { SessionsRepository, type SessionWithUser } from './sessions.repository.ts'
import { type AddressNetwork, type SignatureRejection, verifyLoginSignature } from './signatures.ts'
import { hashSessionToken, isSessionTokenShaped, newSessionToken } from './tokens.ts'
import { type StoredUser, UsersRepository } from './users.repository.ts'

export const CHALLENGE_TTL_MS = 5 * 60_000
/**
 * Expired challenges are kept this long (enough to look into a failed login), then purged. Short,
 * because anyone may ask for challenges: at the API rate limit one client could add over a
 * million rows a day.
 */
export const CHALLENGE_RETENTION_MS = 60 * 60_000
const CHALLENGE_NONCE_BYTES = 16
/** last_seen_at is only as precise as this, to keep session checks read-only most of the time. */
const LAST_SEEN_RESOLUTION_MS = 60_000
/** Session lookups (and last-seen writes) per query, at most. */
const SESSION_BATCH = 500

export interface AuthServiceOptions {
  db: Kysely<Database>
  siteName: string
  /** Its host is named in challenges. */
  publicUrl: string
  chain: ChainNetwork
  /** Addresses and identity keys that are admins (config ADMINS). */
  admins: readonly string[]
  sessionTtlMs: number
  /** Embedded mode: the first user ever created is admin. */
  firstUserIsAdmin: boolean
  now?: () => Date
}

export interface SessionUser {
  id: string
  address: string | null
  identityKey: string | null
  /** The effective role: stored, or admin through ADMINS. */
  role: UserRole
  createdAt: Date
}

export interface ActiveSession {
  user: SessionUser
  expiresAt: Date
}

export interface IssuedChallenge {
  challengeId: string
  message: string
  expiresAt: Date
}

export type ChallengeRejection = 'CHALLENGE_UNKNOWN' | 'CHALLENGE_EXPIRED' | 'CHALLENGE_USED'

export type LoginRejection =
  | { code: ChallengeRejection | SignatureRejection }
  | { code: 'VALIDATION_FAILED'; details: ValidationIssue[] }

export type LoginOutcome =
  | { ok: true; token: string; session: ActiveSession }
  | ({ ok: false } & LoginRejection)

export interface ChallengeText {
  siteName: string
  site: string
  nonce: string
  issuedAt: Date
  expiresAt: Date
}

/** The exact text a wallet signs. Line by line, so a wallet's prompt shows it readably. */
export function challengeMessage(text: ChallengeText): string {
  return [
    `Sign in to ${text.siteName}`,
    `Site: ${text.site}`,
    `Nonce: ${text.nonce}`,
    `Issued: ${text.issuedAt.toISOString()}`,
    `Expires: ${text.expiresAt.toISOString()}`,
  ].join('\n')
}

function rejected(code: ChallengeRejection | SignatureRejection): LoginOutcome {
  return { ok: false, code }
}

/** Why a challenge that could not be claimed at `at` is unusable. */
function unusableReason(challenge: ChallengeRow | undefined, at: Date): ChallengeRejection | undefined {
  if (challenge === undefined) return 'CHALLENGE_UNKNOWN'
  if (challenge.used_at !== null) return 'CHALLENGE_USED'
  if (challenge.expires_at.getTime() <= at.getTime()) return 'CHALLENGE_EXPIRED'
  return undefined
}

export class AuthService {
  private readonly now: () => Date
  private readonly admins: AdminList
  private readonly site: string
  private readonly addressNetwork: AddressNetwork
  private readonly challenges: ChallengesRepository
  private readonly sessions: SessionsRepository
  private readonly lookups: Batcher<string, SessionWithUser | undefined>
  private readonly touches: Batcher<string, undefined>

  constructor(private readonly options: AuthServiceOptions) {
    assert(options.sessionTtlMs > 0, 'sessions must last some time')
    this.now = options.now ?? (() => new Date())
    this.admins = new AdminList(options.admins)
    this.site = new URL(options.publicUrl).host
    this.addressNetwork = options.chain === 'test' ? 'testnet' : 'mainnet'
    this.challenges = new ChallengesRepository(options.db)
    this.sessions = new SessionsRepository(options.db)
    // Every request and every WebSocket handshake of a signed-in user looks its session up: a
    // crowd arriving at once shares a few queries rather than queueing one each for the pool.
    this.lookups = new Batcher(
      async (hashes: string[]) => {
        const found = await this.sessions.findWithUsers(hashes)
        return hashes.map((hash) => found.get(hash))
      },
      { maxBatch: SESSION_BATCH, concurrency: 2 },
    )
    this.touches = new Batcher(
      async (hashes: string[]) => {
        await this.sessions.touch(hashes, this.now())
        return hashes.map(() => undefined)
      },
      { maxBatch: SESSION_BATCH },
    )
  }

  async issueChallenge(): Promise<IssuedChallenge> {
    const issuedAt = this.now()
    const expiresAt = new Date(issuedAt.getTime() + CHALLENGE_TTL_MS)
    const challengeId = randomUUID()
    const message = challengeMessage({
      siteName: this.options.siteName,
      site: this.site,
      nonce: randomBytes(CHALLENGE_NONCE_BYTES).toString('hex'),
      issuedAt,
      expiresAt,
    })
    // Issuing is unauthenticated, so it is also where the table is kept from growing without end.
    await this.challenges.deleteExpiredBefore(new Date(issuedAt.getTime() - CHALLENGE_RETENTION_MS))
    await this.challenges.insert({ id: challengeId, message, expiresAt, createdAt: issuedAt })
    return { challengeId, message, expiresAt }
  }

  async login(request: LoginRequest): Promise<LoginOutcome> {
    if (request.method === 'bsm' && request.address === undefined && request.publicKey === undefined) {
      const details = [{ location: 'body', path: '', message: 'must have address or publicKey' }]
      return { ok: false, code: 'VALIDATION_FAILED', details }
    }
    const at = this.now()
    const challenge = await this.challenges.findById(request.challengeId)
    const early = unusableReason(challenge, at)
    if (early !== undefined) return rejected(early)
    assert(challenge !== undefined, 'a usable challenge was found')

    // Verified before the transaction, which then holds no lock during the elliptic-curve work.
    const signer = await verifyLoginSignature(request, challenge.message, this.addressNetwork)
    return this.options.db.transaction().execute(async (trx) => {
      const challenges = new ChallengesRepository(trx)
      if ((await challenges.claimUnexpired(challenge.id, at)) === undefined) {
        // Another attempt claimed it since it was read (or, with a slow clock, it just expired).
        return rejected(unusableReason(await challenges.findById(challenge.id), at) ?? 'CHALLENGE_USED')
      }
      // Committing with only the claim made is what burns the challenge for a failed attempt.
      if (!signer.ok) return rejected(signer.code)

      const user = await this.findOrCreateUser(new UsersRepository(trx), signer, at)
      const token = newSessionToken()
      const expiresAt = new Date(at.getTime() + this.options.sessionTtlMs)
      await new SessionsRepository(trx).insert({
        tokenHash: hashSessionToken(token),
        userId: user.id,
        createdAt: at,
        expiresAt,
      })
      return { ok: true, token, session: { user: this.sessionUser(user), expiresAt } }
    })
  }

  /** The live session a token stands for, or null when it is unknown, expired or revoked. */
  async resolveSession(token: string): Promise<ActiveSession | null> {
    if (!isSessionTokenShaped(token)) return null
    const tokenHash = hashSessionToken(token)
    const session = await this.lookups.load(tokenHash)
    const at = this.now()
    if (session === undefined || session.revokedAt !== null) return null
    if (session.expiresAt.getTime() <= at.getTime()) return null
    if (at.getTime() - session.lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS) {
      await this.touches.load(tokenHash)
    }
    return { user: this.sessionUser(session.user), expiresAt: session.expiresAt }
  }

  /** Revokes the token's session. Idempotent: an unknown, expired or revoked token is fine. */
  async logout(token: string | undefined): Promise<void> {
    if (!isSessionTokenShaped(token)) return
    await this.sessions.revoke(hashSessionToken(token), this.now())
  }

  private async findOrCreateUser(
    users: UsersRepository,
    signer: { identityKey: string; address: string | null },
    at: Date,
  ): Promise<StoredUser> {
    let user =
      (await users.findByIdentityKey(signer.identityKey)) ??
      (await this.claimAddressOnlyUser(users, signer)) ??
      (await users.insertIfAbsent({
        id: randomUUID(),
        identityKey: signer.identityKey,
        address: signer.address,
        createdAt: at,
        role: this.options.firstUserIsAdmin ? 'admin-if-first' : 'viewer',
      })) ??
      // A concurrent first login of the same key inserted it between the read and the insert.
      (await users.findByIdentityKey(signer.identityKey))
    assert(user !== undefined, 'the user exists after insert-if-absent')
    if (signer.address !== null && user.address === null) {
      user = (await users.setAddressIfUnset(user.id, signer.address)) ?? (await users.findById(user.id))
      assert(user !== undefined, 'a user is never deleted')
    }
    return user
  }

  /**
   * A creator named by address at upload, signing in for the first time: the row becomes theirs
   * (their identity key is recorded), so their memes and earnings are already there.
   */
  private async claimAddressOnlyUser(
    users: UsersRepository,
    signer: { identityKey: string; address: string | null },
  ): Promise<StoredUser | undefined> {
    if (signer.address === null) return undefined
    const waiting = await users.findAddressOnly(signer.address)
    if (!waiting) return undefined
    return (await users.setIdentityKeyIfUnset(waiting.id, signer.identityKey)) ?? undefined
  }

  private sessionUser(user: StoredUser): SessionUser {
    return { ...user, role: user.role === 'admin' || this.admins.includes(user) ? 'admin' : 'viewer' }
  }
}
