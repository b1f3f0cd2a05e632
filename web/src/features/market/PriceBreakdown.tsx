/**
 * What a price means for each side, as every confirmation shows it: what the buyer pays, the
 * platform fee, and what the seller receives. The labels change with who is looking ("You pay",
 * "You receive"); the figures are the server's (contracts/market.ts PriceBreakdown).
 */
import type { PriceBreakdown as Breakdown } from '../../../../contracts/market.ts'
import { formatBps, formatSats } from '../../components/format.ts'

interface PriceBreakdownProps {
  breakdown: Breakdown
  feeBps: number
  /** Whose point of view the labels take. */
  as: 'buyer' | 'seller' | 'onlooker'
}

const LABELS = {
  buyer: { price: 'You pay', proceeds: 'The seller receives' },
  seller: { price: 'The buyer pays', proceeds: 'You receive' },
  onlooker: { price: 'Price', proceeds: 'The seller receives' },
} as const

export function PriceBreakdown({ breakdown, feeBps, as }: PriceBreakdownProps) {
  const labels = LABELS[as]
  return (
    <dl className="market-breakdown">
      <div>
        <dt>{labels.price}</dt>
        <dd className="figure" data-testid="breakdown-price">
          {formatSats(breakdown.priceSats)}
        </dd>
      </div>
      <div>
        <dt>Platform fee ({formatBps(feeBps)})</dt>
        <dd className="figure" data-testid="breakdown-fee">
          {formatSats(breakdown.feeSats)}
        </dd>
      </div>
      <div>
        <dt>{labels.proceeds}</dt>
        <dd className="figure" data-testid="breakdown-proceeds">
          {formatSats(breakdown.sellerReceivesSats)}
        </dd>
      </div>
    </dl>
  )
}
