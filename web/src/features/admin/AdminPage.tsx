import { Page } from '../../components/Page.tsx'
import { Section } from '../../components/Section.tsx'
import { useMemeFeed } from './AdminLayout.tsx'
import { AdminOnly } from './AdminOnly.tsx'
import { MetricsCharts } from './MetricsCharts.tsx'
import { ProcessingQueue } from './ProcessingQueue.tsx'
import { PublishedList } from './PublishedList.tsx'
import { ReviewQueue } from './ReviewQueue.tsx'
import { SystemHealth } from './SystemHealth.tsx'
import { UploadForm } from './UploadForm.tsx'

/** Whether the lists follow the live stream or, while it is down, are asked for every few seconds. */
function FeedStatus() {
  const { live, pollingIntervalMs } = useMemeFeed()
  return (
    <p className="feed-status" data-live={live}>
      <span className="feed-status-dot" aria-hidden="true" />
      {live ? 'Live: changes appear as they happen.' : `Updating every ${pollingIntervalMs / 1000} seconds.`}
    </p>
  )
}

function ContentSections() {
  return (
    <>
      <Section title="Upload a meme">
        <UploadForm />
      </Section>
      <Section title="Processing">
        <FeedStatus />
        <ProcessingQueue />
      </Section>
      <Section title="Review">
        <ReviewQueue />
      </Section>
      <Section title="Published">
        <PublishedList />
      </Section>
    </>
  )
}

export function AdminPage() {
  return (
    <Page
      title="Admin"
      purpose="Upload and review memes, follow their processing, manage rounds and settings, and watch system health."
    >
      <AdminOnly title="Memes">
        <ContentSections />
      </AdminOnly>
      <Section title="System health">
        <SystemHealth />
        <section className="admin-block" aria-labelledby="metrics-heading">
          <h3 className="admin-subheading" id="metrics-heading">
            Metrics
          </h3>
          <MetricsCharts />
        </section>
      </Section>
    </Page>
  )
}
