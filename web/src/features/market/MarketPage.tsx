import { useGetInfoQuery } from '../../app/api.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatBps, formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { Section } from '../../components/Section.tsx'

function ListingRules() {
  const { data: info } = useGetInfoQuery()
  if (!info) return null
  return (
    <p>
      Owners list memes from <span className="figure">{formatSats(info.money.marketMinPriceSats)}</span>; the
      seller receives the price less the{' '}
      <span className="figure">{formatBps(info.money.platformFeeBps)}</span> platform fee, and ownership moves
      in the same step.
    </p>
  )
}

export function MarketPage() {
  return (
    <Page
      title="Market"
      purpose="Buy and sell meme ownership: whoever owns a meme earns the owner share of every future view."
    >
      <Section title="Listings">
        <EmptyState title="No listings yet">
          memes put up for sale by their owners will appear here with their price and past earnings, ready to
          buy.
        </EmptyState>
        <ListingRules />
      </Section>
      <Section title="My memes">
        <EmptyState title="No wallet connected">
          once you sign in, the memes you own appear here, to list for sale or withdraw from sale.
        </EmptyState>
      </Section>
      <Section title="Trade history">
        <EmptyState title="No trades yet">
          every completed sale will be recorded here with its price.
        </EmptyState>
      </Section>
    </Page>
  )
}
