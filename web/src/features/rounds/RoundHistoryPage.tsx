/**
 * Every round, newest first (SPEC 9 "round history"): its block, state, pool and winner, each
 * linking to the round's page with its results, rewards and split logs. "Show older" loads the
 * page of rounds below the lowest shown; a new block refetches the list (useRoundFeed is not
 * needed here: the `blocks` channel is listened to for that alone).
 */
import { Link } from 'react-router'
import type { RoundSummary } from '../../../../contracts/rounds.ts'
import { useChannel } from '../../app/useChannel.ts'
import { WS_CHANNELS } from '../../app/ws.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatDateTime, formatInteger, formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { QueryError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { blockFound, useGetRoundHistoryInfiniteQuery, useRoundsDispatch } from './roundsApi.ts'
import { ROUND_STATE_WORDS } from './roundWording.ts'
import './rounds.css'

function RoundRow({ round }: { round: RoundSummary }) {
  return (
    <tr>
      <th scope="row">
        <Link to={`/rounds/${round.height}`} className="mono">
          {formatInteger(round.height)}
        </Link>
      </th>
      <td>
        <span className="round-state" data-state={round.state}>
          {ROUND_STATE_WORDS[round.state]}
        </span>
      </td>
      <td className="numeric mono">{formatSats(round.poolSats)}</td>
      <td className="numeric mono">{formatInteger(round.memeCount)}</td>
      <td>
        {round.winner ? (
          <span className="round-list-winner">
            <img className="leaderboard-thumb" src={round.winner.thumbnailUrl} alt="" loading="lazy" />
            <span>
              {round.winner.title}{' '}
              <span className="status-muted">({formatInteger(round.winner.paidSeconds)} s)</span>
            </span>
          </span>
        ) : (
          <span className="status-muted">none</span>
        )}
      </td>
      <td className="status-muted">{formatDateTime(round.openedAt)}</td>
    </tr>
  )
}

function RoundList() {
  const dispatch = useRoundsDispatch()
  useChannel(WS_CHANNELS.blocks, (_block, meta) => {
    if (!meta.snapshot) dispatch(blockFound())
  })
  const { data, error, isLoading, hasNextPage, fetchNextPage, isFetchingNextPage } =
    useGetRoundHistoryInfiniteQuery()
  if (isLoading) return <p className="status-muted">Loading the rounds…</p>
  if (!data) return <QueryError what="the rounds" error={error} />
  const rounds = data.pages.flatMap((page) => page.rounds)
  if (rounds.length === 0) {
    return (
      <EmptyState title="No rounds yet">
        each block opens a round; finished rounds and their winners will be listed here, each with its rewards
        and where every sat went.
      </EmptyState>
    )
  }
  return (
    <>
      <div className="table-scroll">
        <table className="data-table">
          <caption className="visually-hidden">Rounds, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Block</th>
              <th scope="col">State</th>
              <th scope="col" className="numeric">
                Pool
              </th>
              <th scope="col" className="numeric">
                Memes
              </th>
              <th scope="col">Winner</th>
              <th scope="col">Opened</th>
            </tr>
          </thead>
          <tbody>
            {rounds.map((round) => (
              <RoundRow key={round.height} round={round} />
            ))}
          </tbody>
        </table>
      </div>
      {hasNextPage && (
        <p className="round-list-more">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => void fetchNextPage()}
            disabled={isFetchingNextPage}
          >
            {isFetchingNextPage ? 'Loading…' : 'Show older rounds'}
          </button>
        </p>
      )}
    </>
  )
}

export function RoundHistoryPage() {
  return (
    <Page
      title="Round history"
      purpose="Every round: its winners, the rewards it paid, and where every sat its memes took went."
    >
      <Section title="Rounds">
        <RoundList />
      </Section>
    </Page>
  )
}
