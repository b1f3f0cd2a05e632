/**
 * Wallet login (SPEC 7), shared by server and web app. The server issues a single-use
 * challenge naming the site; the wallet signs its message; the server verifies and starts a
 * session held in an HttpOnly cookie.
 *
 *   bsm     Bitcoin Signed Message (built-in wallet, Yours v4 signMessage): base64 compact
 *           signature over the UTF-8 message, with the signer's address and/or public key.
 *   brc100  A BRC-100 wallet's createSignature over the UTF-8 message bytes with
 *           protocolID LOGIN_PROTOCOL_ID, keyID = the challenge id, counterparty 'anyone';
 *           signature as DER hex, with the wallet's identity key.
 */
import { type Static, Type } from '@sinclair/typebox'

export const LOGIN_PROTOCOL_ID: [2, string] = [2, 'memepool login']
export const SESSION_COOKIE = 'mp_session'

export const ChallengeResponse = Type.Object({
  challengeId: Type.String(),
  message: Type.String({ description: 'The exact text to sign; it names the site and expires.' }),
  expiresAt: Type.String({ format: 'date-time' }),
})
export type ChallengeResponse = Static<typeof ChallengeResponse>

// Keys and signatures are only bounded here: their content is checked by the login service, so
// that a malformed key or signature is refused like a forged one (401 with a code naming it).
const PublicKeyHex = Type.String({
  maxLength: 200,
  description: 'Compressed public key, hex (66 characters).',
})
const Address = Type.String({ minLength: 26, maxLength: 35, pattern: '^[1-9A-HJ-NP-Za-km-z]+$' })

export const LoginRequest = Type.Union([
  Type.Object(
    {
      method: Type.Literal('bsm'),
      challengeId: Type.String({ minLength: 1, maxLength: 100 }),
      signature: Type.String({ maxLength: 200, description: 'Base64 compact signature (65 bytes).' }),
      address: Type.Optional(Address),
      publicKey: Type.Optional(PublicKeyHex),
      wallet: Type.Optional(Type.Union([Type.Literal('builtin'), Type.Literal('yours')])),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      method: Type.Literal('brc100'),
      challengeId: Type.String({ minLength: 1, maxLength: 100 }),
      signature: Type.String({ maxLength: 200, description: 'DER signature, hex.' }),
      identityKey: PublicKeyHex,
    },
    { additionalProperties: false },
  ),
])
export type LoginRequest = Static<typeof LoginRequest>

export const Role = Type.Union([Type.Literal('viewer'), Type.Literal('admin')])
export type Role = Static<typeof Role>

export const UserView = Type.Object({
  id: Type.String(),
  address: Type.Union([Type.String(), Type.Null()]),
  identityKey: Type.Union([Type.String(), Type.Null()]),
  role: Role,
  createdAt: Type.String({ format: 'date-time' }),
})
export type UserView = Static<typeof UserView>

export const SessionResponse = Type.Object({
  user: UserView,
  expiresAt: Type.String({ format: 'date-time' }),
  token: Type.Optional(
    Type.String({
      description:
        'The session token, for `Authorization: Bearer`. Only in the login answer, and only when ' +
        'asked for with ?bearer=1: browsers use the HttpOnly cookie and never see it.',
    }),
  ),
})
export type SessionResponse = Static<typeof SessionResponse>

/** Login's query: `?bearer=1` returns the session token in the body for non-browser clients. */
export const LoginQuery = Type.Object(
  {
    bearer: Type.Optional(
      Type.Union([Type.Literal('1'), Type.Literal('true'), Type.Literal('0'), Type.Literal('false')], {
        description: '1 or true: also return the session token in the body.',
      }),
    ),
  },
  { additionalProperties: false },
)
export type LoginQuery = Static<typeof LoginQuery>
