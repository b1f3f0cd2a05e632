/**
 * Session tokens. A token is 32 random bytes, base64url: unguessable, and short enough for a
 * cookie or an `Authorization: Bearer` header. The database keeps only its SHA-256, so neither
 * a leaked backup nor a read-only SQL injection yields a usable session.
 */
import { createHash, randomBytes } from 'node:crypto'

export const SESSION_TOKEN_BYTES = 32

/** 32 bytes in base64url without padding are exactly 43 characters. */
const SESSION_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

export function newSessionToken(): string {
  return randomBytes(SESSION_TOKEN_BYTES).toString('base64url')
}

/** Hex SHA-256 of the token: the sessions table's key. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

/** Whether a presented value could be a token at all; anything else is not looked up. */
export function isSessionTokenShaped(value: unknown): value is string {
  return typeof value === 'string' && SESSION_TOKEN_SHAPE.test(value)
}
