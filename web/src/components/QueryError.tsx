/**
 * Turns an RTK Query error into one sentence. The server's errors carry a stable code
 * (`{ error: { code, message, requestId } }`); the request id is shown so a user can quote it.
 */

import type { SerializedError } from '@reduxjs/toolkit'
import type { FetchBaseQueryError } from '@reduxjs/toolkit/query'

interface ServerErrorBody {
  error: { code: string; message: string; requestId?: string }
}

function isServerErrorBody(body: unknown): body is ServerErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false
  const inner = (body as { error: unknown }).error
  return typeof inner === 'object' && inner !== null && 'code' in inner && 'message' in inner
}

export function describeQueryError(error: FetchBaseQueryError | SerializedError | undefined): string {
  if (!error) return 'Unknown error.'
  if ('status' in error) {
    if (error.status === 'FETCH_ERROR') return 'The server could not be reached.'
    if (error.status === 'PARSING_ERROR') return 'The server sent an answer that is not JSON.'
    if (error.status === 'TIMEOUT_ERROR') return 'The server took too long to answer.'
    if (isServerErrorBody(error.data)) {
      const { message, requestId } = error.data.error
      return requestId ? `${message} (request ${requestId})` : message
    }
    return `The server answered with status ${String(error.status)}.`
  }
  return error.message ?? 'Unknown error.'
}

interface QueryErrorProps {
  what: string
  error: FetchBaseQueryError | SerializedError | undefined
}

export function QueryError({ what, error }: QueryErrorProps) {
  return (
    <p className="query-error" role="alert">
      Could not load {what}. {describeQueryError(error)}
    </p>
  )
}
