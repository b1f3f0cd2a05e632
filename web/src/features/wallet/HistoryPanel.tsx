/**
 * Every movement of the user's balance, newest first, as a table: what, in or out, how much,
 * with whom, when, and a link to the movement's proof. What and how much come first, so a phone
 * shows them before the table needs scrolling sideways. Filter buttons narrow it to deposits,
 * withdrawals or the rest; "Show older" loads the page before the oldest one shown.
 */
import { useState } from 'react'
import { Link } from 'react-router'
import type { HistoryEntry, HistoryKind } from '../../../../contracts/withdrawals.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatDateTime, formatSats } from '../../components/format.ts'
import { QueryError } from '../../components/QueryError.tsx'
import { transferProofPath } from '../proofs/proofsApi.ts'
import { counterpartyLabel, historyCodeLabel } from './historyWording.ts'
import { useHistory } from './walletApi.ts'

interface HistoryFilter {
  kind: HistoryKind
  label: string
  /** The empty state's title when this filter finds nothing. */
  empty: string
}

const FILTERS: readonly [HistoryFilter, ...HistoryFilter[]] = [
  { kind: 'all', label: 'All', empty: 'No movements yet' },
  { kind: 'deposits', label: 'Deposits', empty: 'No deposits credited yet' },
  { kind: 'withdrawals', label: 'Withdrawals', empty: 'No withdrawals in the history yet' },
  { kind: 'other', label: 'Other', empty: 'No other movements yet' },
]

function HistoryRow({ entry }: { entry: HistoryEntry }) {
  const what = historyCodeLabel(entry.code)
  return (
    <tr data-direction={entry.direction}>
      <td>{what}</td>
      <td className="history-direction">{entry.direction === 'in' ? 'In' : 'Out'}</td>
      <td className="history-amount figure">{formatSats(entry.amountSats)}</td>
      <td title={entry.counterparty}>{counterpartyLabel(entry.counterparty)}</td>
      <td className="history-time">{formatDateTime(entry.createdAt)}</td>
      <td>
        <Link to={transferProofPath(entry.transferId)}>
          Proof<span className="visually-hidden"> of this {what.toLowerCase()}</span>
        </Link>
      </td>
    </tr>
  )
}

function HistoryTable({ kind, empty }: { kind: HistoryKind; empty: string }) {
  const { data, error, isLoading, hasNextPage, fetchNextPage, isFetchingNextPage } = useHistory(kind)
  if (isLoading) return <p className="status-muted">Loading your history…</p>
  if (!data) return <QueryError what="your history" error={error} />
  const entries = data.pages.flatMap((page) => page.entries)
  if (entries.length === 0) {
    return (
      <EmptyState title={empty}>
        deposits once credited, what you pay for watching, your rewards and your withdrawals are listed here,
        newest first, each with its proof on chain.
      </EmptyState>
    )
  }
  return (
    <>
      {/* A table wider than a phone scrolls inside this box instead of widening the page. */}
      <div className="history-scroll">
        <table className="history-table">
          <caption className="visually-hidden">Movements of your balance, newest first</caption>
          <thead>
            <tr>
              <th scope="col">What</th>
              <th scope="col">In / out</th>
              <th scope="col" className="history-amount">
                Amount
              </th>
              <th scope="col">With</th>
              <th scope="col">When</th>
              <th scope="col">
                <span className="visually-hidden">Proof</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <HistoryRow key={entry.transferId} entry={entry} />
            ))}
          </tbody>
        </table>
      </div>
      {hasNextPage && (
        <p className="history-more">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => void fetchNextPage()}
            disabled={isFetchingNextPage}
          >
            {isFetchingNextPage ? 'Loading…' : 'Show older'}
          </button>
        </p>
      )}
    </>
  )
}

export function HistoryPanel() {
  const [shown, setShown] = useState<HistoryFilter>(FILTERS[0])
  return (
    <>
      <fieldset className="history-filters">
        <legend className="visually-hidden">Show</legend>
        {FILTERS.map((filter) => (
          <button
            key={filter.kind}
            type="button"
            className="button button-secondary history-filter"
            aria-pressed={filter === shown}
            onClick={() => setShown(filter)}
          >
            {filter.label}
          </button>
        ))}
      </fieldset>
      <HistoryTable kind={shown.kind} empty={shown.empty} />
    </>
  )
}
