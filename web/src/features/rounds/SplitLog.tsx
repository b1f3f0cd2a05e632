/**
 * Where every sat a meme took in a round went (GET /api/v1/rounds/:height/memes/:memeId/splits):
 * one row per flush with the total and its parts (platform fee, creator, owner, the pool of the
 * round then in progress), a totals row that must equal the sum of the rows, and links to the
 * proofs of the ledger transfers behind each row. Loaded only when its panel is opened.
 */
import { Link } from 'react-router'
import type { SplitLogEntry, SplitLogResponse } from '../../../../contracts/rounds.ts'
import { formatDateTime, formatInteger, formatSats, formatTime } from '../../components/format.ts'
import { QueryError } from '../../components/QueryError.tsx'
import { transferProofPath } from '../proofs/proofsApi.ts'
import { useGetSplitLogQuery } from './roundsApi.ts'
import { rewardLabel, roleLabel } from './roundWording.ts'

function ProofLinks({ transferIds }: { transferIds: readonly string[] }) {
  if (transferIds.length === 0) return <span className="status-muted">—</span>
  return (
    <span className="proof-links">
      {transferIds.map((id, index) => (
        <Link key={id} to={transferProofPath(id)} title={`Proof of transfer ${id}`}>
          {index + 1}
          <span className="visually-hidden"> (proof of transfer {id})</span>
        </Link>
      ))}
    </span>
  )
}

function EntryRow({ entry, height }: { entry: SplitLogEntry; height: number }) {
  return (
    <tr>
      <th scope="row">
        <time dateTime={entry.at} title={formatDateTime(entry.at)}>
          {formatTime(entry.at)}
        </time>
      </th>
      <td className="numeric mono">{formatSats(entry.totalSats)}</td>
      <td className="numeric mono">{formatSats(entry.feeSats)}</td>
      <td className="numeric mono">{formatSats(entry.creatorSats)}</td>
      <td className="numeric mono">{formatSats(entry.ownerSats)}</td>
      <td className="numeric mono">
        {formatSats(entry.poolSats)}
        {entry.poolRound !== height && (
          <span className="status-muted"> → round {formatInteger(entry.poolRound)}</span>
        )}
      </td>
      <td>{entry.owner.label}</td>
      <td>
        <ProofLinks transferIds={entry.transferIds} />
      </td>
    </tr>
  )
}

function SplitTable({ log }: { log: SplitLogResponse }) {
  const { totals } = log
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">
          Each flush of the meme's view payments in round {log.height}, oldest first, and how it was split
        </caption>
        <thead>
          <tr>
            <th scope="col">Flushed</th>
            <th scope="col" className="numeric">
              Total
            </th>
            <th scope="col" className="numeric">
              Fee
            </th>
            <th scope="col" className="numeric">
              Creator
            </th>
            <th scope="col" className="numeric">
              Owner
            </th>
            <th scope="col" className="numeric">
              Pool
            </th>
            <th scope="col">Owner then</th>
            <th scope="col">Proofs</th>
          </tr>
        </thead>
        <tbody>
          {log.entries.map((entry) => (
            <EntryRow key={`${entry.at}-${entry.transferIds.join(',')}`} entry={entry} height={log.height} />
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Totals</th>
            <td className="numeric mono">{formatSats(totals.totalSats)}</td>
            <td className="numeric mono">{formatSats(totals.feeSats)}</td>
            <td className="numeric mono">{formatSats(totals.creatorSats)}</td>
            <td className="numeric mono">{formatSats(totals.ownerSats)}</td>
            <td className="numeric mono">{formatSats(totals.poolSats)}</td>
            <td colSpan={2} />
          </tr>
        </tfoot>
      </table>
    </div>
  )
}

/** The parts must add up to the total, row by row and in the totals (SPEC 2: no sat created or lost). */
export function splitAddsUp(
  parts: Pick<SplitLogEntry, 'totalSats' | 'feeSats' | 'creatorSats' | 'ownerSats' | 'poolSats'>,
): boolean {
  return parts.feeSats + parts.creatorSats + parts.ownerSats + parts.poolSats === parts.totalSats
}

export function SplitLog({ height, memeId }: { height: number; memeId: string }) {
  const { data: log, error, isLoading } = useGetSplitLogQuery({ height, memeId })
  if (isLoading) return <p className="status-muted">Loading the split log…</p>
  if (!log) return <QueryError what="the split log" error={error} />
  const unbalanced = [log.totals, ...log.entries].filter((parts) => !splitAddsUp(parts)).length
  return (
    <>
      {log.entries.length === 0 ? (
        <p className="status-muted">Nobody paid to watch this meme in this round.</p>
      ) : (
        <>
          <p>
            {formatSats(log.totals.totalSats)} in {formatInteger(log.entries.length)}{' '}
            {log.entries.length === 1 ? 'flush' : 'flushes'}
            {unbalanced === 0
              ? '; in every row the fee, creator, owner and pool parts add up to the total.'
              : '.'}
          </p>
          {unbalanced > 0 && (
            <p className="query-error" role="alert">
              {formatInteger(unbalanced)} {unbalanced === 1 ? 'row does' : 'rows do'} not add up. Please
              report this round.
            </p>
          )}
          <SplitTable log={log} />
        </>
      )}
      {log.rewards.length > 0 && (
        <p>
          Won when the round settled:{' '}
          {log.rewards
            .map(
              (reward) =>
                `${roleLabel(reward.role)} ${formatSats(reward.amountSats)} (${rewardLabel(reward).toLowerCase()})`,
            )
            .join(', ')}
          .
        </p>
      )}
    </>
  )
}
