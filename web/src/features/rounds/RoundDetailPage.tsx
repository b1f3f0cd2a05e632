/**
 * One round (/rounds/:height): its block and the rules in force, the results (the final
 * leaderboard), the rewards settlement paid and what rolled over into the next pool, and for
 * each meme the split log showing where every sat it took went, with proofs.
 */
import { useState } from 'react'
import { Link, useParams } from 'react-router'
import type { RoundView, SettlementView } from '../../../../contracts/rounds.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatBps, formatDateTime, formatInteger, formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { QueryError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { counterpartyLabel } from '../wallet/historyWording.ts'
import { Leaderboard } from './Leaderboard.tsx'
import { useGetRoundQuery } from './roundsApi.ts'
import { ROUND_STATE_WORDS, rewardLabel, roleLabel } from './roundWording.ts'
import { SplitLog } from './SplitLog.tsx'
import './rounds.css'

const MAX_HEIGHT = 2_147_483_647

function parseHeight(raw: string | undefined): number | null {
  if (raw === undefined || !/^\d{1,10}$/.test(raw)) return null
  const height = Number(raw)
  return height <= MAX_HEIGHT ? height : null
}

function BlockFacts({ round }: { round: RoundView }) {
  const { params } = round
  return (
    <>
      <dl className="facts round-facts">
        <div>
          <dt>State</dt>
          <dd>
            <span className="round-state" data-state={round.state}>
              {ROUND_STATE_WORDS[round.state]}
            </span>
          </dd>
        </div>
        <div>
          <dt>Opened</dt>
          <dd>{formatDateTime(round.openedAt)}</dd>
        </div>
        <div>
          <dt>Closed</dt>
          <dd>{round.closedAt ? formatDateTime(round.closedAt) : 'Not yet'}</dd>
        </div>
        <div>
          <dt>Pool</dt>
          <dd className="figure">{formatSats(round.poolSats)}</dd>
        </div>
        <div>
          <dt>Paid seconds</dt>
          <dd className="figure">{formatInteger(round.paidSeconds)}</dd>
        </div>
        <div>
          <dt>Viewers</dt>
          <dd className="figure">{formatInteger(round.viewers)}</dd>
        </div>
      </dl>
      <p>
        Block hash <code className="break-anywhere">{round.blockHash}</code>
      </p>
      <p className="section-note">
        Rules in force: {formatBps(params.feeBps)} platform fee; {params.directPct}% of the rest straight to
        the meme (creator {params.creatorPct}%, owner {100 - params.creatorPct}%), the rest to the pool. At
        the end {params.topSharePct}% of the pool goes to the top{' '}
        {params.topWeights.length === 1 ? 'meme' : `${params.topWeights.length} memes`} (
        {params.topWeights.map((weight) => `${weight}%`).join(' / ')}) and {params.viewerSharePct}% to the
        first {formatInteger(params.fastViewers)} viewers to reach {formatInteger(params.qualifySeconds)} paid
        seconds.
      </p>
    </>
  )
}

/** "pool:813" → a link to round 813, whose pool the rollover fed; any other account in words. */
function RolledInto({ account }: { account: string }) {
  const match = /^pool:(\d+)$/.exec(account)
  if (!match?.[1]) return <>{counterpartyLabel(account)}</>
  const height = Number(match[1])
  return (
    <>
      the pool of <Link to={`/rounds/${height}`}>round {formatInteger(height)}</Link>
    </>
  )
}

interface RewardsProps {
  settlement: SettlementView | null
  state: RoundView['state']
  height: number
  titles: ReadonlyMap<string, string>
}

function Rewards({ settlement, state, height, titles }: RewardsProps) {
  if (settlement === null) {
    return (
      <EmptyState title="Not settled yet">
        {state === 'open'
          ? `the pool is paid out when block ${formatInteger(height + 1)} is found and closes this round.`
          : 'the round has closed; its pool is being paid out now.'}
      </EmptyState>
    )
  }
  const paid = settlement.rewards.reduce((sum, reward) => sum + reward.amountSats, 0)
  return (
    <>
      <p>
        Settled {formatDateTime(settlement.settledAt)}: of the pool of{' '}
        <span className="figure">{formatSats(settlement.poolSats)}</span>,{' '}
        <span className="figure">{formatSats(paid)}</span> were paid out and{' '}
        <span className="figure" data-testid="round-rollover">
          {formatSats(settlement.rolloverSats)}
        </span>{' '}
        rolled over into <RolledInto account={settlement.rolledInto} />.
      </p>
      {settlement.rewards.length === 0 ? (
        <p className="status-muted">Nobody qualified for a reward; the whole pool rolled over.</p>
      ) : (
        <div className="table-scroll">
          <table className="data-table">
            <caption className="visually-hidden">Rewards paid when the round settled</caption>
            <thead>
              <tr>
                <th scope="col">Reward</th>
                <th scope="col">Meme</th>
                <th scope="col">Role</th>
                <th scope="col">Paid to</th>
                <th scope="col" className="numeric">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {settlement.rewards.map((reward) => (
                <tr key={`${reward.reason}-${reward.place}-${reward.role}-${reward.person.id}`}>
                  <th scope="row">{rewardLabel(reward)}</th>
                  <td>{reward.memeId === null ? '—' : (titles.get(reward.memeId) ?? reward.memeId)}</td>
                  <td>{roleLabel(reward.role)}</td>
                  <td className="mono">{reward.person.label}</td>
                  <td className="numeric mono">{formatSats(reward.amountSats)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={4}>
                  Paid out + rolled over = pool
                </th>
                <td className="numeric mono">
                  {formatSats(paid)} + {formatSats(settlement.rolloverSats)} ={' '}
                  {formatSats(paid + settlement.rolloverSats)}
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </>
  )
}

/** A meme's split log, fetched the first time its panel is opened. */
function MemeSplits({ height, memeId, title }: { height: number; memeId: string; title: string }) {
  const [opened, setOpened] = useState(false)
  return (
    <li>
      <details className="split-log" onToggle={(event) => event.currentTarget.open && setOpened(true)}>
        <summary>
          {title} <span className="status-muted mono">{memeId}</span>
        </summary>
        <div className="split-log-body">{opened && <SplitLog height={height} memeId={memeId} />}</div>
      </details>
    </li>
  )
}

function RoundSections({ round }: { round: RoundView }) {
  const titles = new Map(round.memes.map((meme) => [meme.memeId, meme.title]))
  return (
    <>
      <Section title="Block">
        <BlockFacts round={round} />
      </Section>
      <Section title="Results">
        {round.memes.length === 0 ? (
          <EmptyState title="No memes">no meme competed in this round.</EmptyState>
        ) : (
          <Leaderboard
            memes={round.memes}
            poolSats={round.poolSats}
            params={round.params}
            showPrizes={false}
            linkToWatch
          />
        )}
      </Section>
      <Section title="Rewards and rollover">
        <Rewards settlement={round.settlement} state={round.state} height={round.height} titles={titles} />
      </Section>
      <Section title="Where every sat went">
        {round.memes.length === 0 ? (
          <p className="status-muted">No meme, no payments.</p>
        ) : (
          <>
            <p className="section-note">
              Open a meme to see each flush of its view payments in this round split into platform fee,
              creator, owner and pool, with the proof of every transfer.
            </p>
            <ul className="split-logs">
              {round.memes.map((meme) => (
                <MemeSplits key={meme.memeId} height={round.height} memeId={meme.memeId} title={meme.title} />
              ))}
            </ul>
          </>
        )}
      </Section>
    </>
  )
}

export function RoundDetailPage() {
  const { height: rawHeight } = useParams()
  const height = parseHeight(rawHeight)
  const { data: round, error, isLoading } = useGetRoundQuery(height ?? 0, { skip: height === null })
  const title = height === null ? 'Round not found' : `Round ${formatInteger(height)}`
  return (
    <Page title={title} purpose="The round's results, the rewards it paid, and where every sat went.">
      <p>
        <Link to="/rounds">All rounds</Link>
      </p>
      {height === null ? (
        <p className="query-error" role="alert">
          “{rawHeight}” is not a block height.
        </p>
      ) : isLoading ? (
        <p className="status-muted">Loading round {formatInteger(height)}…</p>
      ) : round === undefined ? (
        <QueryError what={`round ${formatInteger(height)}`} error={error} />
      ) : (
        <RoundSections round={round} />
      )}
    </Page>
  )
}
