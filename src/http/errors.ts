/**
 * How failures become responses. Services throw `AppError` with a code from contracts/errors.ts;
 * everything else that can go wrong in a request (Fastify's own validation, body parsing, size
 * limits, bad URLs, plugin errors, bugs) is translated here to one of those codes, so every error
 * body has the same shape: `{ error: { code, message, requestId, details? } }`.
 *
 * Only 4xx messages reach the client. A 5xx answers with the catalogue's generic message and the
 * request id; the real error and its stack go to the log under that id.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ERROR_CODES, type ErrorBody, type ErrorCode, type ValidationIssue } from '../../contracts/errors.ts'
import { isDatabaseUnavailable } from '../adapters/db/unavailable.ts'

export interface AppErrorOptions {
  /** Replaces the catalogue's message. It is sent to the client: no internals, no secrets. */
  message?: string
  /** Code-specific data for the client, e.g. `{ balanceSats, neededSats }`. Sent as is. */
  details?: unknown
  cause?: unknown
}

/**
 * An error the client is meant to see. Throw it from a handler or service:
 * `throw new AppError('NOT_FOUND', { details: { memeId } })`.
 *
 * A client error (4xx) or a "try again shortly" (503) is an answer, not a fault: it is made
 * without a stack trace, which would cost more than the answer. A crowd refused at the door
 * (thousands of starts a second) spent a sixth of the server's time capturing stacks no one
 * reads. Other server errors keep theirs for the log.
 */
export class AppError extends Error {
  override name = 'AppError'
  readonly code: ErrorCode
  readonly details: unknown

  constructor(code: ErrorCode, options: AppErrorOptions = {}) {
    const status = ERROR_CODES[code].status
    const stackLimit = Error.stackTraceLimit
    if (status < 500 || status === 503) Error.stackTraceLimit = 0
    try {
      super(options.message ?? ERROR_CODES[code].message, { cause: options.cause })
    } finally {
      Error.stackTraceLimit = stackLimit
    }
    this.code = code
    this.details = options.details
  }

  /** Named like Fastify's own errors so any Fastify code path picks the right status. */
  get statusCode(): number {
    return ERROR_CODES[this.code].status
  }
}

/** Fastify error codes that have a meaning of their own, beyond their HTTP status. */
const FASTIFY_CODE_MAP: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_REQUEST',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_REQUEST',
  FST_ERR_BAD_URL: 'MALFORMED_REQUEST',
  FST_ERR_MAX_PARAM_LENGTH: 'MALFORMED_REQUEST',
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
}

/** For errors that carry only a status (plugins, http-errors style): the closest code. */
const STATUS_CODE_MAP: Readonly<Record<number, ErrorCode>> = {
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
}

type MaybeFastifyError = Partial<
  Pick<FastifyError, 'code' | 'statusCode' | 'validation' | 'validationContext'>
>

function validationIssues(error: MaybeFastifyError): ValidationIssue[] {
  const location = error.validationContext ?? 'body'
  return (error.validation ?? []).map((issue) => {
    const params = issue.params as { missingProperty?: string; additionalProperty?: string }
    // Ajv reports a missing or extra field at its parent; point at the field itself.
    const field = params.missingProperty ?? params.additionalProperty
    return {
      location,
      path: field === undefined ? issue.instancePath : `${issue.instancePath}/${field}`,
      message: issue.message ?? 'is not valid',
    }
  })
}

/** Any thrown value as the AppError the client will see. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error
  const fastifyError = (typeof error === 'object' && error !== null ? error : {}) as MaybeFastifyError & {
    message?: string
  }
  if (fastifyError.validation) {
    return new AppError('VALIDATION_FAILED', {
      message: fastifyError.message,
      details: validationIssues(fastifyError),
      cause: error,
    })
  }
  const mapped = fastifyError.code === undefined ? undefined : FASTIFY_CODE_MAP[fastifyError.code]
  if (mapped) return new AppError(mapped, { cause: error })
  const status = fastifyError.statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(STATUS_CODE_MAP[status] ?? 'MALFORMED_REQUEST', { cause: error })
  }
  if (status === 503) return new AppError('SERVICE_UNAVAILABLE', { cause: error })
  if (isDatabaseUnavailable(error)) return new AppError('DATABASE_UNAVAILABLE', { cause: error })
  return new AppError('INTERNAL', { cause: error })
}

export function errorBody(error: AppError, requestId: string): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message, requestId } }
  if (error.details !== undefined) body.error.details = error.details
  return body
}

/**
 * Sends `error` in the standard shape and counts it. Every error response goes through here, so
 * `http_errors_total` sees them all.
 */
export function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError): FastifyReply {
  request.server.metrics.httpErrors.inc({ code: error.code })
  return reply
    .code(error.statusCode)
    .type('application/json; charset=utf-8')
    .send(errorBody(error, request.id))
}

/** The app's error handler: log at the level the failure deserves, answer in the standard shape. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(error)
  if (appError.statusCode >= 500) {
    request.log.error({ err: error, code: appError.code }, 'request failed')
  } else {
    request.log.info({ code: appError.code, statusCode: appError.statusCode }, 'request rejected')
  }
  return sendError(request, reply, appError)
}
