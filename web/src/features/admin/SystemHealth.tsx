/**
 * The server's own report on itself: readiness of each dependency from /ready (polled) and the
 * implementations it runs with from /api/v1/info.
 */
import { useGetInfoQuery, useReadiness } from '../../app/api.ts'
import { formatDateTime } from '../../components/format.ts'
import { QueryError } from '../../components/QueryError.tsx'
import { READINESS_LABELS, readinessState } from '../system/readiness.ts'
import { CHAIN_LABELS } from '../system/ServerStatus.tsx'

/** Latency to a tenth of a millisecond: finer digits are noise in a health check. */
function formatLatency(latencyMs: number): string {
  return `${latencyMs.toFixed(1)} ms`
}

function Checks() {
  const query = useReadiness()
  const state = readinessState(query)
  if (state === 'checking') return <p className="status-muted">Checking the server…</p>
  if (state === 'unreachable') return <QueryError what="the readiness report" error={query.error} />
  const checks = Object.entries(query.data?.checks ?? {})
  return (
    <>
      <p>
        Overall:{' '}
        <span className="readiness" data-state={state}>
          <span className="readiness-dot" aria-hidden="true" />
          {READINESS_LABELS[state]}
        </span>
      </p>
      <ul className="checks" aria-label="Dependency checks">
        {checks.map(([name, check]) => (
          <li key={name} className="check">
            <span className="check-name">{name}</span>
            <span className="check-status" data-status={check.status}>
              {check.status}
            </span>
            {check.latencyMs !== undefined && <span className="mono">{formatLatency(check.latencyMs)}</span>}
            {check.detail && <span className="check-detail">{check.detail}</span>}
          </li>
        ))}
      </ul>
    </>
  )
}

function RunMode() {
  const { data: info, isLoading, isError, error } = useGetInfoQuery()
  if (isLoading) return <p className="status-muted">Loading server info…</p>
  if (isError || !info) return <QueryError what="server info" error={error} />
  return (
    <dl className="facts">
      <div>
        <dt>Version</dt>
        <dd className="mono">{info.version}</dd>
      </div>
      <div>
        <dt>Started</dt>
        <dd className="mono">{formatDateTime(info.startedAt)}</dd>
      </div>
      <div>
        <dt>Chain</dt>
        <dd className="mono">{CHAIN_LABELS[info.chain]}</dd>
      </div>
      <div>
        <dt>Database</dt>
        <dd className="mono">{info.mode.database}</dd>
      </div>
      <div>
        <dt>Message bus</dt>
        <dd className="mono">{info.mode.bus}</dd>
      </div>
      <div>
        <dt>Transformer</dt>
        <dd className="mono">{info.mode.transformer}</dd>
      </div>
    </dl>
  )
}

export function SystemHealth() {
  return (
    <>
      <Checks />
      <RunMode />
    </>
  )
}
