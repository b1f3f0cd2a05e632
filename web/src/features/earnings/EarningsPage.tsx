import { EmptyState } from '../../components/EmptyState.tsx'
import { Page } from '../../components/Page.tsx'
import { Section } from '../../components/Section.tsx'

export function EarningsPage() {
  return (
    <Page title="Earnings" purpose="What your memes have earned as creator and owner, round by round.">
      <Section title="Earnings over time">
        <EmptyState title="No earnings yet">
          once memes you created or own are watched, your creator and owner shares and the round rewards they
          win are charted here over time.
        </EmptyState>
      </Section>
    </Page>
  )
}
