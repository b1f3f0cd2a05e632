import { Link, useParams } from 'react-router'
import { useGetInfoQuery } from '../../app/api.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatDuration, formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { Section } from '../../components/Section.tsx'

/** What watching will cost, from the server's configuration. */
function PriceNote() {
  const { data: info } = useGetInfoQuery()
  if (!info) return null
  const { viewRateSatsPerSecond, minBillableSeconds } = info.money
  return (
    <p>
      Watching costs <span className="figure">{formatSats(viewRateSatsPerSecond)}</span> per second while the
      animation is visible and playing; views shorter than{' '}
      <span className="figure">{formatDuration(minBillableSeconds)}</span> are free.
    </p>
  )
}

export function WatchPage() {
  const { memeId = '' } = useParams()
  return (
    <Page title="Watch" purpose="Play a meme's animation and pay by the second while it is on screen.">
      <Section title="Player">
        <EmptyState title="Nothing to play">
          meme <code>{memeId}</code> cannot be played yet. Once memes are assigned to rounds, its animation
          plays here with a live meter of seconds watched and sats spent, and a button to stop.
        </EmptyState>
        <PriceNote />
        <p>
          <Link to="/">Back to the live round</Link>
        </p>
      </Section>
    </Page>
  )
}
