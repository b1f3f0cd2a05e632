/**
 * Trades as a table, newest first: when, the meme (in a user's history), the price, the fee and
 * what the seller received (early, so a phone shows them before it scrolls), who sold to whom,
 * and the proofs of the trade's ledger transfers (the price paid to the seller, the fee paid to
 * the platform) once they are anchored. Seen by one of the two sides, a column says which side
 * they were. On a phone it scrolls sideways inside its box.
 */
import { Link } from 'react-router'
import type { TradeView } from '../../../../contracts/market.ts'
import { formatDateTime, formatSats } from '../../components/format.ts'
import { transferProofPath } from '../proofs/proofsApi.ts'
import { memePagePath } from './useMarketActions.tsx'

interface TradeTableProps {
  trades: readonly TradeView[]
  caption: string
  /** Show each trade's meme (a user's history spans memes; a meme's history does not). */
  showMeme: boolean
  /** The viewer's user id, to say whether they bought or sold; none for onlookers. */
  viewerId?: string | undefined
}

function transferLabel(transferId: string): string {
  return transferId.endsWith(':fee') ? 'fee' : 'price'
}

function sideOf(trade: TradeView, viewerId: string): string {
  if (trade.buyer.id === viewerId) return 'Bought'
  if (trade.seller.id === viewerId) return 'Sold'
  return '—'
}

export function TradeTable({ trades, caption, showMeme, viewerId }: TradeTableProps) {
  return (
    <div className="table-scroll">
      <table className="data-table market-trades">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            {showMeme && <th scope="col">Meme</th>}
            {viewerId !== undefined && <th scope="col">You</th>}
            <th scope="col" className="numeric">
              Price
            </th>
            <th scope="col" className="numeric">
              Fee
            </th>
            <th scope="col" className="numeric">
              Seller received
            </th>
            <th scope="col">Seller</th>
            <th scope="col">Buyer</th>
            <th scope="col">Proofs</th>
          </tr>
        </thead>
        <tbody>
          {trades.map((trade) => (
            <tr key={trade.id} data-testid="trade-row" data-trade-id={trade.id}>
              <th scope="row" className="market-trade-time">
                <time dateTime={trade.createdAt}>{formatDateTime(trade.createdAt)}</time>
              </th>
              {showMeme && (
                <td className="market-trade-meme">
                  <Link to={memePagePath(trade.memeId)}>{trade.title}</Link>
                </td>
              )}
              {viewerId !== undefined && <td>{sideOf(trade, viewerId)}</td>}
              <td className="numeric mono" data-testid="trade-price">
                {formatSats(trade.priceSats)}
              </td>
              <td className="numeric mono">{formatSats(trade.feeSats)}</td>
              <td className="numeric mono">{formatSats(trade.sellerReceivesSats)}</td>
              <td className="mono" data-testid="trade-seller">
                {trade.seller.label}
              </td>
              <td className="mono" data-testid="trade-buyer">
                {trade.buyer.label}
              </td>
              <td>
                <span className="proof-links">
                  {trade.transferIds.map((id) => (
                    <Link key={id} to={transferProofPath(id)}>
                      {transferLabel(id)}
                      <span className="visually-hidden"> (proof of transfer {id})</span>
                    </Link>
                  ))}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
