/**
 * The live round (SPEC 9): the block timeline, the round's figures with the time since its block
 * ticking, the leaderboard and the memes with live counters. The first state comes over REST;
 * from then on the `round` channel replaces it at most once a second and `blocks` refetches the
 * timeline (useRoundFeed). A new round or a new leader is announced politely to screen readers.
 */
import { useEffect, useRef, useState } from 'react'
import type { RoundView } from '../../../../contracts/rounds.ts'
import { useWsState } from '../../app/useChannel.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatInteger, formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { QueryError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { formatElapsed } from '../chain/timeSince.ts'
import { BlockTimeline } from './BlockTimeline.tsx'
import { Leaderboard } from './Leaderboard.tsx'
import { MemeGrid } from './MemeGrid.tsx'
import { MoneyRules } from './MoneyRules.tsx'
import { roundAnnouncement, secondsSince } from './roundFigures.ts'
import { TIMELINE_BLOCKS, useGetRecentRoundsQuery } from './roundsApi.ts'
import { useCurrentRound, useRoundFeed, useServerNow } from './useRoundFeed.ts'
import './rounds.css'

const TICK_MS = 1_000

function LiveState() {
  const { status } = useWsState()
  const live = status === 'open'
  return (
    <p className="live-state" data-state={live ? 'live' : 'polling'}>
      <span className="live-dot" aria-hidden="true" />
      {live
        ? 'Live'
        : status === 'idle'
          ? 'Not connected'
          : 'Reconnecting… figures refresh every few seconds'}
    </p>
  )
}

function RoundFacts({ round, nowMs }: { round: RoundView; nowMs: number }) {
  return (
    <dl className="facts round-facts round-facts-live">
      <div>
        <dt>Block</dt>
        <dd className="figure" data-testid="round-height">
          {formatInteger(round.height)}
        </dd>
      </div>
      <div>
        <dt>Since the block</dt>
        <dd className="figure">
          <time dateTime={round.openedAt}>{formatElapsed(secondsSince(round.openedAt, nowMs))}</time>
        </dd>
      </div>
      <div>
        <dt>Reward pool</dt>
        <dd className="figure" data-testid="round-pool">
          {formatSats(round.poolSats)}
        </dd>
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
  )
}

/** The last thing worth saying about the round, in a polite live region. */
function useAnnouncement(round: RoundView | null | undefined): string {
  const previous = useRef<RoundView | null>(null)
  const [said, setSaid] = useState('')
  useEffect(() => {
    if (round === undefined) return
    const sentence = roundAnnouncement(previous.current, round)
    previous.current = round
    if (sentence !== null) setSaid(sentence)
  }, [round])
  return said
}

function Blocks({ round }: { round: RoundView | null }) {
  const nowMs = useServerNow(TICK_MS)
  const recent = useGetRecentRoundsQuery(TIMELINE_BLOCKS + 1)
  // The list may include the round in progress; the timeline draws that one as the next block.
  const past = (recent.data?.rounds ?? [])
    .filter((summary) => summary.state !== 'open')
    .slice(0, TIMELINE_BLOCKS)
  return (
    <>
      <LiveState />
      <BlockTimeline past={past} current={round} nowMs={nowMs} />
      {recent.isError && <QueryError what="the past blocks" error={recent.error} />}
      {round && <RoundFacts round={round} nowMs={nowMs} />}
    </>
  )
}

function RoundSections({ round }: { round: RoundView | null }) {
  if (round === null) {
    return (
      <>
        <Section title="Leaderboard">
          <EmptyState title="No round open">
            when a block opens a round, its memes are ranked here by paid seconds, and the leaders win the
            round's reward pool when the next block closes it.
          </EmptyState>
        </Section>
        <Section title="Memes in this round">
          <EmptyState title="No memes to watch yet">
            approved memes are assigned to the next round, and each appears here with live counters of seconds
            watched and sats paid.
          </EmptyState>
        </Section>
      </>
    )
  }
  if (round.memes.length === 0) {
    return (
      <Section title="Leaderboard">
        <EmptyState title={`No memes in round ${formatInteger(round.height)}`}>
          no approved meme was waiting when this block was found. Memes approved now compete in the next
          round.
        </EmptyState>
      </Section>
    )
  }
  return (
    <>
      <Section title="Leaderboard">
        <Leaderboard
          memes={round.memes}
          poolSats={round.poolSats}
          params={round.params}
          showPrizes
          linkToWatch
        />
        <p className="section-note">
          Prizes are {round.params.topSharePct}% of the pool, split{' '}
          {round.params.topWeights.map((weight) => `${weight}%`).join(' / ')} between the top places when the
          next block is found; the first {formatInteger(round.params.fastViewers)} viewers to reach{' '}
          {formatInteger(round.params.qualifySeconds)} paid seconds share {round.params.viewerSharePct}%.
        </p>
      </Section>
      <Section title="Memes in this round">
        <MemeGrid memes={round.memes} />
      </Section>
    </>
  )
}

export function LiveRoundPage() {
  useRoundFeed()
  const { data, error, isLoading } = useCurrentRound()
  const round = data?.round
  const announcement = useAnnouncement(round)
  return (
    <Page
      title="Live round"
      purpose="Memes compete for one block at a time: watch, pay by the second, and lift your favourites up the leaderboard."
    >
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <Section title="Blocks" className="section-timeline">
        {isLoading ? (
          <p className="status-muted">Loading the round in progress…</p>
        ) : data === undefined ? (
          <QueryError what="the round in progress" error={error} />
        ) : (
          <Blocks round={data.round} />
        )}
      </Section>
      {data !== undefined && <RoundSections round={data.round} />}
      <Section title="How the money moves">
        <MoneyRules />
      </Section>
    </Page>
  )
}
