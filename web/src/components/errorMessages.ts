/**
 * What the app says for each error code the server can answer with (contracts/errors.ts), in one
 * place. The server's own `message` is an English default for API clients; the app words errors
 * for the person in front of it and says what to do next. A code missing here falls back to the
 * server's message, and a unit test fails until it is added.
 */
import type { SerializedError } from '@reduxjs/toolkit'
import type { FetchBaseQueryError } from '@reduxjs/toolkit/query'

export const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  VALIDATION_FAILED: 'The server could not accept what was sent. Check the fields and try again.',
  MALFORMED_REQUEST: 'The server could not read the request. Reload the page and try again.',
  UNAUTHORIZED: 'You are not signed in, or your session has ended. Connect your wallet to sign in.',
  INSUFFICIENT_FUNDS: 'Your balance is too low for this. Deposit some BSV and try again.',
  FORBIDDEN: 'Your account is not allowed to do this.',
  NOT_FOUND: 'Nothing was found at this address.',
  CONFLICT: 'Something changed in the meantime. Reload and try again.',
  IDEMPOTENCY_KEY_REUSED: 'This request was already made with different details. Start it again.',
  IDEMPOTENCY_KEY_IN_USE: 'The same request is still being processed. Wait a moment and check again.',
  HOLD_EXPIRED: 'The reservation for this session ran out. Start watching again.',
  PAYLOAD_TOO_LARGE: 'What was sent is too large.',
  UNSUPPORTED_MEDIA_TYPE: 'The server does not accept this kind of content.',
  RATE_LIMITED: 'Too many requests in a short time. Wait a minute and try again.',
  INTERNAL: 'Something went wrong on our side. Try again in a moment.',
  SERVICE_UNAVAILABLE: 'The service is briefly unavailable. Try again in a moment.',
  NOT_LEADER: 'The service is briefly unavailable while another server takes over. Try again in a moment.',
  DATABASE_UNAVAILABLE:
    'The service cannot reach its database for a moment; nothing was changed. Try again shortly.',
  // Wallet sign-in (SPEC 7).
  CHALLENGE_EXPIRED:
    'The sign-in request expired before it was signed. Try again and approve it within 5 minutes.',
  CHALLENGE_USED: 'This sign-in request was already used. Try again to get a fresh one.',
  CHALLENGE_UNKNOWN: 'This sign-in request is unknown to the server. Try again to get a fresh one.',
  SIGNATURE_INVALID: 'The wallet’s signature did not check out. Try again, or use another wallet.',
  SIGNATURE_MALFORMED: 'The wallet sent a signature in a form Memepool cannot read. Try another wallet.',
  PUBLIC_KEY_INVALID: 'The wallet sent a public key Memepool cannot read. Try another wallet.',
  KEY_MISMATCH: 'The wallet’s address does not belong to the key it signed with. Try again.',
  // The local development chain.
  DEVNET_ONLY: 'This is only available on the local development chain.',
  INVALID_ADDRESS: 'This is not a valid BSV address. Check it and try again.',
  AMOUNT_INVALID: 'Enter a whole number of satoshis.',
  AMOUNT_BELOW_MINIMUM: 'That is below the smallest withdrawal.',
  ADDRESS_WRONG_NETWORK: 'That address is for another BSV network.',
  IDEMPOTENCY_KEY_INVALID: 'The request could not be identified. Reload the page and try again.',
  ACCOUNT_FROZEN: 'Your account is frozen while we review a reversed deposit. Contact support.',
  FILE_MISSING: 'Choose an image to upload.',
  FILE_EMPTY: 'That file is empty.',
  FILE_TOO_LARGE: 'That file is larger than 10 MB.',
  UNSUPPORTED_TYPE: 'Only PNG, JPEG and GIF images can be uploaded.',
  IMAGE_CORRUPT: 'That image is damaged or incomplete.',
  IMAGE_DECODE_TIMEOUT: 'That image took too long to read.',
  IMAGE_TOO_SMALL: 'The image must be at least 1080 pixels on its short side.',
  ASPECT_RATIO_UNSUPPORTED: 'The image must be 16:9, 4:3 or square.',
  IMAGE_TOO_MANY_PIXELS: 'That image has far too many pixels.',
  TOO_MANY_FRAMES: 'That animated GIF has too many frames.',
  DUPLICATE_MEME: 'This exact image has been uploaded before.',
  CREATOR_INVALID: 'Enter the creator as a BSV address or public key.',
  TITLE_INVALID: 'Give the meme a title of up to 120 characters.',
  TAGS_INVALID: 'Use at most 10 short tags, separated by commas.',
  MEME_NOT_REVIEWABLE: 'This meme has moved on; reload to see where it is now.',
  MEDIA_TOKEN_INVALID: 'This video link has expired. Start watching again.',
  NOT_ANCHORED_YET: 'This record is not on chain yet. Its proof is ready after the next block.',
  // Watching (contracts/watch.ts), answered over the WebSocket.
  MEME_NOT_WATCHABLE: 'This meme cannot be watched: it is not published yet, or it was taken down.',
  WATCH_SESSION_NOT_FOUND: 'This watch session is not known to the server any more. Start watching again.',
  WATCH_SESSION_ENDED: 'This watch session has already ended. Start watching again.',
  WATCH_TOO_MANY_SESSIONS:
    'You are already watching in too many tabs or windows. Stop watching in one of them, then try again.',
  // The marketplace (contracts/market.ts).
  PRICE_INVALID: 'Enter the price as a whole number of satoshis.',
  PRICE_BELOW_MINIMUM: 'That price is below the marketplace minimum.',
  MEME_NOT_FOUND: 'There is no such meme.',
  MEME_NOT_TRADABLE: 'This meme cannot be traded yet: only memes that have been in a round can.',
  NOT_OWNER: 'Only the meme’s owner can do this.',
  ALREADY_LISTED: 'This meme is already listed. Cancel that listing to set a new price.',
  LISTING_NOT_FOUND: 'This listing does not exist. Reload the market.',
  LISTING_NOT_ACTIVE: 'This listing has just been sold or cancelled. Reload the meme to see where it is now.',
  CANNOT_BUY_OWN: 'You already own this meme, so you cannot buy it or bid on it.',
  ALREADY_OFFERED: 'You already have an open offer on this meme. Withdraw it to make another.',
  OFFER_NOT_FOUND: 'This offer does not exist. Reload the meme.',
  OFFER_NOT_OPEN: 'This offer is no longer open: it was accepted, withdrawn, or the meme was sold.',
  // The WebSocket itself (contracts/ws.ts), and this app's own view of it (app/ws.ts).
  WS_BAD_MESSAGE: 'The app sent the server something it could not read. Reload the page and try again.',
  WS_UNKNOWN_TYPE: 'The server does not know this request. Reload the page to get the current app.',
  WS_RATE_LIMITED: 'Too many messages in a short time. Wait a moment and try again.',
  WS_BUSY: 'The server is still answering earlier requests. Wait a moment and try again.',
  WS_UNKNOWN_CHANNEL: 'The server has no such live feed.',
  WS_FORBIDDEN_CHANNEL: 'This live feed is not yours to follow. Sign in again if you were signed out.',
  WS_TOO_MANY_SUBSCRIPTIONS: 'This page follows too many live feeds at once. Reload it.',
  WS_INTERNAL: 'Something went wrong on our side. Try again in a moment.',
  WS_DISCONNECTED: 'The connection to the server dropped. It reconnects by itself; try again in a moment.',
  WS_TIMEOUT: 'The server took too long to answer. Check your connection and try again.',
}

/** A server or client error as the app shows it: a sentence, plus the code and request id if any. */
export interface DisplayError {
  message: string
  code?: string
  requestId?: string
}

interface ServerErrorBody {
  error: { code: string; message: string; requestId?: string }
}

function isServerErrorBody(body: unknown): body is ServerErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false
  const inner = (body as { error: unknown }).error
  return typeof inner === 'object' && inner !== null && 'code' in inner && 'message' in inner
}

export function isFetchError(error: object): error is FetchBaseQueryError {
  return 'status' in error
}

/** Turns whatever a request or a wallet threw into one sentence for the user. */
export function toDisplayError(error: FetchBaseQueryError | SerializedError | Error | unknown): DisplayError {
  if (typeof error === 'string' && error !== '') return { message: error }
  if (typeof error !== 'object' || error === null) return { message: 'Unknown error.' }
  if (isFetchError(error)) {
    if (error.status === 'FETCH_ERROR') return { message: 'The server could not be reached.' }
    if (error.status === 'PARSING_ERROR') return { message: 'The server sent an answer that is not JSON.' }
    if (error.status === 'TIMEOUT_ERROR') return { message: 'The server took too long to answer.' }
    if (isServerErrorBody(error.data)) {
      const { code, message, requestId } = error.data.error
      return { message: ERROR_MESSAGES[code] ?? message, code, ...(requestId ? { requestId } : {}) }
    }
    return { message: `The server answered with status ${String(error.status)}.` }
  }
  // A WebSocket error ({ code, message }, app/ws.ts) is worded by its code like an HTTP one.
  if ('code' in error && typeof error.code === 'string') {
    const own = 'message' in error && typeof error.message === 'string' ? error.message : ''
    const message = ERROR_MESSAGES[error.code] ?? own
    if (message !== '') return { message, code: error.code }
  }
  if ('message' in error && typeof error.message === 'string' && error.message !== '') {
    return { message: error.message }
  }
  return { message: 'Unknown error.' }
}

/** The sentence with the request id appended, so a user can quote it when reporting a problem. */
export function formatDisplayError(error: DisplayError): string {
  return error.requestId ? `${error.message} (request ${error.requestId})` : error.message
}
