/**
 * Every error code the API can answer with, in one place. The server picks the HTTP status from
 * here; the web app maps codes to its own wording, so `message` is only the English default that
 * API clients see. Codes are stable: rename one and every client that branches on it breaks.
 */
import { type Static, Type } from '@sinclair/typebox'

interface ErrorCodeInfo {
  status: number
  message: string
}

export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, message: 'The request does not match the expected shape.' },
  MALFORMED_REQUEST: { status: 400, message: 'The request could not be read (bad JSON, length or URL).' },
  UNAUTHORIZED: { status: 401, message: 'Sign in to do this.' },
  INSUFFICIENT_FUNDS: { status: 402, message: 'The balance is too low for this payment.' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this.' },
  NOT_FOUND: { status: 404, message: 'Nothing was found at this address.' },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state.' },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    message: 'This idempotency key was already used for a different request.',
  },
  IDEMPOTENCY_KEY_IN_USE: {
    status: 409,
    message: 'A request with this idempotency key is still being processed.',
  },
  HOLD_EXPIRED: { status: 409, message: 'The reservation for this session has expired.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The request body has an unsupported content type.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; try again after the Retry-After delay.' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side.' },
  SERVICE_UNAVAILABLE: { status: 503, message: 'The service is temporarily unavailable.' },
  // The database cannot be reached (restarting, down, or no connection free in time).
  DATABASE_UNAVAILABLE: {
    status: 503,
    message: 'The database is unreachable for the moment; nothing was changed. Try again shortly.',
  },
  // Leader election (src/services/leader): a write by a node whose leader term has ended.
  NOT_LEADER: { status: 503, message: 'This node no longer leads; the current leader does this.' },
  // Wallet login (contracts/auth.ts). A challenge serves one login attempt, whatever its outcome.
  CHALLENGE_UNKNOWN: {
    status: 401,
    message: 'This sign-in challenge was not issued here; ask for a new one.',
  },
  CHALLENGE_EXPIRED: { status: 401, message: 'This sign-in challenge has expired; ask for a new one.' },
  CHALLENGE_USED: { status: 401, message: 'This sign-in challenge was already used; ask for a new one.' },
  SIGNATURE_INVALID: { status: 401, message: 'The signature does not match the challenge and key.' },
  KEY_MISMATCH: { status: 401, message: 'The address does not belong to the public key.' },
  SIGNATURE_MALFORMED: { status: 401, message: 'The signature could not be decoded.' },
  PUBLIC_KEY_INVALID: { status: 401, message: 'The public key is not a valid compressed secp256k1 key.' },
  // Chain (src/adapters/chain): the devnet's faucet and controls, and addresses given to them.
  DEVNET_ONLY: { status: 404, message: 'This exists only on the local devnet (CHAIN=devnet).' },
  INVALID_ADDRESS: { status: 400, message: 'This is not a valid BSV address.' },
  // Withdrawals (contracts/withdrawals.ts).
  AMOUNT_INVALID: {
    status: 400,
    message: 'The amount must be a whole, positive number of satoshis within the supply.',
  },
  AMOUNT_BELOW_MINIMUM: { status: 400, message: 'The amount is below the smallest withdrawal.' },
  ADDRESS_WRONG_NETWORK: { status: 400, message: 'This address belongs to another BSV network.' },
  IDEMPOTENCY_KEY_INVALID: {
    status: 400,
    message: 'The idempotency key must be 8 to 64 letters, digits, dashes or underscores.',
  },
  ACCOUNT_FROZEN: {
    status: 403,
    message: 'This account is frozen while an admin reviews a reversed deposit.',
  },
  // Content uploads (contracts/content.ts): each names the rule the file broke; nothing is kept.
  FILE_MISSING: { status: 400, message: 'Attach the image as the form field "file".' },
  FILE_EMPTY: { status: 422, message: 'The file is empty.' },
  FILE_TOO_LARGE: { status: 413, message: 'The file is larger than 10 MB.' },
  UNSUPPORTED_TYPE: {
    status: 415,
    message: 'Only PNG, JPEG and GIF images are accepted (judged by content).',
  },
  IMAGE_CORRUPT: { status: 422, message: 'The image is corrupt or truncated and cannot be decoded.' },
  IMAGE_DECODE_TIMEOUT: { status: 422, message: 'The image took too long to decode.' },
  IMAGE_TOO_SMALL: { status: 422, message: 'The short side of the image is below 1080 pixels.' },
  ASPECT_RATIO_UNSUPPORTED: {
    status: 422,
    message: 'The aspect ratio must be 16:9, 4:3 or 1:1 (within 1%, either orientation).',
  },
  IMAGE_TOO_MANY_PIXELS: { status: 422, message: 'The image has too many pixels (a decompression bomb?).' },
  TOO_MANY_FRAMES: { status: 422, message: 'The animated GIF has too many frames.' },
  DUPLICATE_MEME: { status: 409, message: 'This exact image was uploaded before.' },
  CREATOR_INVALID: { status: 400, message: 'The creator must be a BSV address or a compressed public key.' },
  TITLE_INVALID: { status: 400, message: 'The title must be 1 to 120 characters.' },
  TAGS_INVALID: { status: 400, message: 'At most 10 tags of 1 to 32 letters, digits, dashes or spaces.' },
  MEME_NOT_REVIEWABLE: { status: 409, message: 'This meme is not in a state that allows this action.' },
  MEDIA_TOKEN_INVALID: { status: 403, message: 'The media link has expired or is not valid.' },
  // Watching (contracts/watch.ts).
  MEME_NOT_WATCHABLE: { status: 409, message: 'This meme cannot be watched (not published yet).' },
  WATCH_SESSION_NOT_FOUND: { status: 404, message: 'There is no such watch session of yours.' },
  WATCH_SESSION_ENDED: { status: 409, message: 'This watch session has ended; start a new one.' },
  WATCH_TOO_MANY_SESSIONS: { status: 429, message: 'You have too many watch sessions open at once.' },
  // Anchoring (contracts/proofs.ts): a record exists but no anchor transaction holds it yet.
  NOT_ANCHORED_YET: {
    status: 409,
    message: 'This record is not anchored on chain yet; try again after the next block.',
  },
  // Marketplace (contracts/market.ts). A refused trade, offer or listing moves nothing.
  PRICE_INVALID: {
    status: 400,
    message: 'The price must be a whole, positive number of satoshis within the supply.',
  },
  PRICE_BELOW_MINIMUM: { status: 400, message: 'The price is below the marketplace minimum.' },
  MEME_NOT_FOUND: { status: 404, message: 'There is no such meme.' },
  MEME_NOT_TRADABLE: {
    status: 409,
    message: 'This meme cannot be traded (only memes assigned to a round are).',
  },
  NOT_OWNER: { status: 403, message: 'Only the meme’s owner can do this.' },
  ALREADY_LISTED: { status: 409, message: 'This meme already has an active listing.' },
  LISTING_NOT_FOUND: { status: 404, message: 'There is no such listing.' },
  LISTING_NOT_ACTIVE: {
    status: 409,
    message: 'This listing is no longer active (sold or cancelled); reload the meme.',
  },
  CANNOT_BUY_OWN: { status: 409, message: 'You cannot buy or bid on a meme you own.' },
  ALREADY_OFFERED: {
    status: 409,
    message: 'You already have an open offer on this meme; withdraw it to make another.',
  },
  OFFER_NOT_FOUND: { status: 404, message: 'There is no such offer.' },
  OFFER_NOT_OPEN: {
    status: 409,
    message: 'This offer is no longer open (accepted, withdrawn, or void after a sale).',
  },
} as const satisfies Record<string, ErrorCodeInfo>

export type ErrorCode = keyof typeof ERROR_CODES

export const ERROR_CODE_NAMES = Object.keys(ERROR_CODES) as ErrorCode[]

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value)
}

/** The body of every error response, from every route, including 404s and 429s. */
export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      // An enum of strings (not a union of literals) keeps the OpenAPI document compact.
      code: Type.Unsafe<ErrorCode>(
        Type.String({
          enum: ERROR_CODE_NAMES,
          description: 'Stable machine-readable code (contracts/errors.ts).',
        }),
      ),
      message: Type.String({ description: 'English default text; clients should map the code instead.' }),
      requestId: Type.String({
        description: 'Quote this when reporting a problem; it is in the server logs.',
      }),
      details: Type.Optional(Type.Unknown({ description: 'Code-specific data, e.g. the failed fields.' })),
    }),
  },
  { $id: 'ErrorBody', title: 'ErrorBody' },
)
export type ErrorBody = Static<typeof ErrorBody>

/** One failed field of a VALIDATION_FAILED error (the `details` array). */
export const ValidationIssue = Type.Object({
  location: Type.String({ description: 'body, querystring, params or headers.' }),
  path: Type.String({ description: 'JSON pointer to the field inside that location, "" for the whole.' }),
  message: Type.String(),
})
export type ValidationIssue = Static<typeof ValidationIssue>
