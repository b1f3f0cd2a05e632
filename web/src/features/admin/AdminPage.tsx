import { EmptyState } from '../../components/EmptyState.tsx'
import { Page } from '../../components/Page.tsx'
import { Section } from '../../components/Section.tsx'
import { SystemHealth } from './SystemHealth.tsx'

export function AdminPage() {
  return (
    <Page
      title="Admin"
      purpose="Upload and review memes, follow their processing, manage rounds and settings, and watch system health."
    >
      <Section title="System health">
        <SystemHealth />
      </Section>
      <Section title="Uploads and processing">
        <EmptyState title="No memes uploaded yet">
          admins signed in with an admin wallet will upload memes here and follow each one live through
          validation, transformation, quality check and review.
        </EmptyState>
      </Section>
      <Section title="Review">
        <EmptyState title="Nothing to review">
          near-duplicates and memes that failed processing will wait here for an admin's decision.
        </EmptyState>
      </Section>
    </Page>
  )
}
