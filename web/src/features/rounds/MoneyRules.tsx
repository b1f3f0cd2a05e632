/**
 * The money rules in force, read from the server's configuration (/api/v1/info) rather than
 * written into the app, so what users read is what the ledger applies.
 */

import type { InfoResponse } from '../../../../contracts/system.ts'
import { useGetInfoQuery } from '../../app/api.ts'
import { formatBps, formatDuration, formatSats } from '../../components/format.ts'
import { QueryError } from '../../components/QueryError.tsx'

type Money = InfoResponse['money']

function RuleSummary({ money }: { money: Money }) {
  const parts = [
    `${formatSats(money.viewRateSatsPerSecond)} per second`,
    `${formatBps(money.platformFeeBps)} platform fee`,
    `${money.directSharePct}% direct share`,
  ]
  return (
    <p className="rules-summary mono">
      {parts.map((part, index) => (
        <span key={part} className="rules-summary-part">
          {index > 0 ? '· ' : ''}
          {part}
        </span>
      ))}
    </p>
  )
}

function RuleList({ money }: { money: Money }) {
  const poolSharePct = 100 - money.directSharePct
  const ownerSharePct = 100 - money.creatorSharePct
  return (
    <dl className="rules">
      <div className="rule">
        <dt>Watching</dt>
        <dd>
          <span className="figure">{formatSats(money.viewRateSatsPerSecond)}</span> per second, charged once a
          view reaches <span className="figure">{formatDuration(money.minBillableSeconds)}</span>; a session
          lasts at most <span className="figure">{formatDuration(money.maxSessionSeconds)}</span>.
        </dd>
      </div>
      <div className="rule">
        <dt>Platform fee</dt>
        <dd>
          <span className="figure">{formatBps(money.platformFeeBps)}</span> of every view payment and every
          trade.
        </dd>
      </div>
      <div className="rule">
        <dt>Direct share</dt>
        <dd>
          <span className="figure">{money.directSharePct}%</span> of the rest goes straight to the meme:
          creator <span className="figure">{money.creatorSharePct}%</span>, owner{' '}
          <span className="figure">{ownerSharePct}%</span>.
        </dd>
      </div>
      <div className="rule">
        <dt>Reward pool</dt>
        <dd>
          <span className="figure">{poolSharePct}%</span> of the rest fills the pool of the round in progress,
          paid out to the top memes and the fastest viewers when its block closes.
        </dd>
      </div>
      <div className="rule">
        <dt>Market and withdrawals</dt>
        <dd>
          Listings from <span className="figure">{formatSats(money.marketMinPriceSats)}</span>; withdrawals
          from <span className="figure">{formatSats(money.withdrawMinSats)}</span>.
        </dd>
      </div>
    </dl>
  )
}

export function MoneyRules() {
  const { data: info, isLoading, isError, error } = useGetInfoQuery()
  if (isLoading) return <p className="status-muted">Loading the rules in force…</p>
  if (isError || !info) return <QueryError what="the rules in force" error={error} />
  return (
    <>
      <RuleSummary money={info.money} />
      <RuleList money={info.money} />
    </>
  )
}
