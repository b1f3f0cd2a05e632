/**
 * One word for the server's readiness, shared by the footer and the admin health panel. The
 * server's own three states come from /ready; "checking" and "unreachable" are the client's view
 * before the first answer and when no answer comes at all.
 */
import type { ReadyResponse } from '../../../../contracts/system.ts'

export type ReadinessState = ReadyResponse['status'] | 'checking' | 'unreachable'

export const READINESS_LABELS: Record<ReadinessState, string> = {
  ready: 'Ready',
  degraded: 'Degraded',
  unavailable: 'Unavailable',
  checking: 'Checking…',
  unreachable: 'Unreachable',
}

interface ReadinessQuery {
  data?: ReadyResponse
  isLoading: boolean
  isError: boolean
}

export function readinessState({ data, isLoading, isError }: ReadinessQuery): ReadinessState {
  // A failed poll after a good one means the server has gone away; stale data must not say "Ready".
  if (isError) return 'unreachable'
  if (isLoading || !data) return 'checking'
  return data.status
}
