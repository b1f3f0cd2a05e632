/**
 * Footer read-out of the server the app is talking to: its version and chain from /api/v1/info,
 * and its readiness from /ready, polled so the state changes on screen without a reload.
 */
import { useGetInfoQuery, useReadiness } from '../../app/api.ts'
import { READINESS_LABELS, readinessState } from './readiness.ts'

export const CHAIN_LABELS = {
  devnet: 'Local devnet',
  test: 'BSV testnet',
  main: 'BSV mainnet',
} as const

function VersionAndChain() {
  const { data: info, isLoading, isError } = useGetInfoQuery()
  if (isLoading) return <span className="status-muted">Loading server info…</span>
  if (isError || !info) return <span className="status-muted">Server info unavailable</span>
  return (
    <>
      <span className="status-item">
        <span className="status-label">Version</span> <span className="mono">{info.version}</span>
      </span>
      <span className="status-item">
        <span className="status-label">Chain</span> <span className="mono">{CHAIN_LABELS[info.chain]}</span>
      </span>
    </>
  )
}

function Readiness() {
  const query = useReadiness()
  const state = readinessState(query)
  return (
    <span className="status-item">
      <span className="status-label">Server</span>{' '}
      {/* A polite live region: a server going down or coming back is announced, not shouted. */}
      <span className="readiness" data-state={state} role="status">
        <span className="readiness-dot" aria-hidden="true" />
        {READINESS_LABELS[state]}
      </span>
    </span>
  )
}

export function ServerStatus() {
  return (
    <section className="server-status" aria-label="Server status">
      <VersionAndChain />
      <Readiness />
    </section>
  )
}
