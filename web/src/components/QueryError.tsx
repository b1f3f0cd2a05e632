/**
 * Turns an RTK Query error into one sentence, worded by the error's stable code
 * (errorMessages.ts). The request id is shown so a user can quote it; the code rides along in
 * data-code for tests and support, which branch on codes rather than prose.
 */

import type { SerializedError } from '@reduxjs/toolkit'
import type { FetchBaseQueryError } from '@reduxjs/toolkit/query'
import { type DisplayError, formatDisplayError, toDisplayError } from './errorMessages.ts'

interface QueryErrorProps {
  what: string
  error: FetchBaseQueryError | SerializedError | undefined
}

export function QueryError({ what, error }: QueryErrorProps) {
  const shown = toDisplayError(error)
  return (
    <p className="query-error" role="alert" data-code={shown.code}>
      Could not load {what}. {formatDisplayError(shown)}
    </p>
  )
}

/** An error from an action the user took (a form, a wallet), shown where they took it. */
export function ActionError({ error }: { error: DisplayError }) {
  return (
    <p className="query-error" role="alert" data-code={error.code}>
      {formatDisplayError(error)}
    </p>
  )
}
