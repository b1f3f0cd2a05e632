import { EmptyState } from '../../components/EmptyState.tsx'
import { Page } from '../../components/Page.tsx'
import { Section } from '../../components/Section.tsx'

export function RoundHistoryPage() {
  return (
    <Page
      title="Round history"
      purpose="Every finished round: its winners, the rewards it paid, and the on-chain proof of its records."
    >
      <Section title="Finished rounds">
        <EmptyState title="No rounds yet">
          each block opens a round; finished rounds and their winners will be listed here, each with its
          rewards, its anchor transaction and a Merkle proof for every record.
        </EmptyState>
      </Section>
    </Page>
  )
}
