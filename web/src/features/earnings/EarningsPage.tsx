/**
 * The earnings dashboard for creators and owners (SPEC 9): totals, a chart of the last days'
 * creator and owner shares and round rewards, and what each meme paid. Signed out, it says what
 * it will show. A new block refetches it, since a settled round may have paid rewards.
 */
import { Link } from 'react-router'
import type { EarningsMeme, EarningsResponse } from '../../../../contracts/rounds.ts'
import { useAppDispatch } from '../../app/hooks.ts'
import { useChannel } from '../../app/useChannel.ts'
import { WS_CHANNELS } from '../../app/ws.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { QueryError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { useMeQuery } from '../auth/authApi.ts'
import { connectDialogOpened } from '../auth/authSlice.ts'
import { preloadConnectWalletDialog } from '../auth/ConnectWalletDialogHost.tsx'
import { EarningsChart, SERIES } from './EarningsChart.tsx'
import { earningsApi, useGetEarningsQuery } from './earningsApi.ts'
import { earningsBars, formatDay, totalEarned } from './earningsChart.ts'
import './earnings.css'

function Totals({ totals }: { totals: EarningsResponse['totals'] }) {
  return (
    <dl className="facts earnings-totals">
      <div className="earnings-total-all">
        <dt>Earned in all</dt>
        <dd className="figure" data-testid="earnings-total">
          {formatSats(totalEarned(totals))}
        </dd>
      </div>
      <div>
        <dt>As creator</dt>
        <dd className="figure">{formatSats(totals.creatorSats)}</dd>
      </div>
      <div>
        <dt>As owner</dt>
        <dd className="figure">{formatSats(totals.ownerSats)}</dd>
      </div>
      <div>
        <dt>Round rewards</dt>
        <dd className="figure">{formatSats(totals.rewardSats)}</dd>
      </div>
      <div>
        <dt>Fast-viewer rewards</dt>
        <dd className="figure">{formatSats(totals.fastViewerSats)}</dd>
      </div>
    </dl>
  )
}

function DaysTable({ earnings }: { earnings: EarningsResponse }) {
  const days = [...earnings.days].reverse()
  return (
    <details className="earnings-days">
      <summary>Show the days as a table</summary>
      <div className="table-scroll">
        <table className="data-table">
          <caption className="visually-hidden">Earnings per day, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              {SERIES.map((series) => (
                <th key={series.key} scope="col" className="numeric">
                  {series.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {days.map((day) => (
              <tr key={day.day}>
                <th scope="row">{formatDay(day.day)}</th>
                {SERIES.map((series) => (
                  <td key={series.key} className="numeric mono">
                    {formatSats(day[series.key])}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  )
}

function roles(meme: EarningsMeme): string {
  if (meme.isCreator && meme.isOwner) return 'Creator and owner'
  if (meme.isCreator) return 'Creator'
  if (meme.isOwner) return 'Owner'
  return 'Former owner'
}

function MemesTable({ memes }: { memes: readonly EarningsMeme[] }) {
  if (memes.length === 0) {
    return (
      <EmptyState title="No meme has paid you yet">
        memes you created or own appear here once viewers pay to watch them.
      </EmptyState>
    )
  }
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">What each meme paid you, most first</caption>
        <thead>
          <tr>
            <th scope="col">Meme</th>
            <th scope="col">You are</th>
            <th scope="col" className="numeric">
              Creator share
            </th>
            <th scope="col" className="numeric">
              Owner share
            </th>
            <th scope="col" className="numeric">
              Rewards
            </th>
            <th scope="col" className="numeric">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          {memes.map((meme) => (
            <tr key={meme.memeId}>
              <th scope="row" className="leaderboard-meme">
                <img className="leaderboard-thumb" src={meme.thumbnailUrl} alt="" loading="lazy" />
                <Link to={`/watch/${encodeURIComponent(meme.memeId)}`}>{meme.title}</Link>
              </th>
              <td>{roles(meme)}</td>
              <td className="numeric mono">{formatSats(meme.creatorSats)}</td>
              <td className="numeric mono">{formatSats(meme.ownerSats)}</td>
              <td className="numeric mono">{formatSats(meme.rewardSats)}</td>
              <td className="numeric mono">
                {formatSats(meme.creatorSats + meme.ownerSats + meme.rewardSats)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function SignedInEarnings() {
  const dispatch = useAppDispatch()
  useChannel(WS_CHANNELS.blocks, (_block, meta) => {
    if (!meta.snapshot) dispatch(earningsApi.util.invalidateTags(['Earnings']))
  })
  const { data: earnings, error, isLoading } = useGetEarningsQuery()
  if (isLoading) {
    return (
      <Section title="Totals">
        <p className="status-muted">Loading your earnings…</p>
      </Section>
    )
  }
  if (!earnings) {
    return (
      <Section title="Totals">
        <QueryError what="your earnings" error={error} />
      </Section>
    )
  }
  const bars = earningsBars(earnings.days)
  return (
    <>
      <Section title="Totals">
        <Totals totals={earnings.totals} />
      </Section>
      <Section title="Earnings over time">
        {bars.length === 0 ? (
          <EmptyState title="No earnings in the last days">
            once memes you created or own are watched, your creator and owner shares and the round rewards
            they win are charted here day by day.
          </EmptyState>
        ) : (
          <>
            <EarningsChart bars={bars} />
            <DaysTable earnings={earnings} />
          </>
        )}
      </Section>
      <Section title="By meme">
        <MemesTable memes={earnings.memes} />
      </Section>
    </>
  )
}

function SignedOutEarnings() {
  const dispatch = useAppDispatch()
  return (
    <Section title="Earnings over time">
      <EmptyState title="Not signed in">
        connect a wallet to see what your memes have earned: your creator and owner shares of every view, the
        round rewards they won, and your fast-viewer rewards, day by day and meme by meme.
      </EmptyState>
      <p>
        <button
          type="button"
          className="button button-primary"
          onClick={() => dispatch(connectDialogOpened())}
          onPointerEnter={preloadConnectWalletDialog}
          onFocus={preloadConnectWalletDialog}
        >
          Connect a wallet
        </button>
      </p>
    </Section>
  )
}

export function EarningsPage() {
  const { data: session, isLoading } = useMeQuery()
  return (
    <Page
      title="Earnings"
      purpose="What your memes have earned as creator and owner, and the rewards you won."
    >
      {isLoading ? (
        <p className="status-muted">Checking who is signed in…</p>
      ) : session ? (
        <SignedInEarnings />
      ) : (
        <SignedOutEarnings />
      )}
    </Page>
  )
}
