import { EmptyState } from '../../components/EmptyState.tsx'
import { Page } from '../../components/Page.tsx'
import { Section } from '../../components/Section.tsx'
import { BlockTimeline } from './BlockTimeline.tsx'
import { MoneyRules } from './MoneyRules.tsx'

export function LiveRoundPage() {
  return (
    <Page
      title="Live round"
      purpose="Memes compete for one block at a time: watch, pay by the second, and lift your favourites up the leaderboard."
    >
      <Section title="Blocks" className="section-timeline">
        <BlockTimeline />
      </Section>
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
      <Section title="How the money moves">
        <MoneyRules />
      </Section>
    </Page>
  )
}
