/**
 * The round's memes in rank order: paid seconds decide the place (ties go to whoever got there
 * first), and the top places show what they would win if the block were found now. A table, so a
 * screen reader can move along a row; on a phone it scrolls sideways inside its box.
 */
import { Link } from 'react-router'
import type { RoundMemeView, RoundParamsView } from '../../../../contracts/rounds.ts'
import { formatInteger, formatSats } from '../../components/format.ts'
import { prizeIfEndedNow } from './roundFigures.ts'

interface LeaderboardProps {
  memes: readonly RoundMemeView[]
  poolSats: number
  params: RoundParamsView
  /** Open rounds show a prize estimate; finished ones show what settlement paid elsewhere. */
  showPrizes: boolean
  /** Each title links to the meme's watch page (live round) or nowhere (history). */
  linkToWatch: boolean
}

function prizeCell(meme: RoundMemeView, poolSats: number, params: RoundParamsView): string {
  // A meme without paid seconds never ranks for a prize, whatever its place in the list.
  if (meme.paidSeconds === 0) return '—'
  const prize = prizeIfEndedNow(poolSats, params, meme.rank)
  return prize === null ? '—' : formatSats(prize)
}

export function Leaderboard({ memes, poolSats, params, showPrizes, linkToWatch }: LeaderboardProps) {
  return (
    <div className="table-scroll">
      <table className="data-table leaderboard">
        <caption className="visually-hidden">
          Memes of the round by paid seconds, first place first
          {showPrizes ? ', with what the top places would win if the round ended now' : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Place</th>
            <th scope="col">Meme</th>
            <th scope="col" className="numeric">
              Paid seconds
            </th>
            <th scope="col" className="numeric">
              Revenue
            </th>
            <th scope="col" className="numeric">
              Viewers
            </th>
            {showPrizes && (
              <th scope="col" className="numeric">
                Prize now
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {memes.map((meme) => (
            <tr key={meme.memeId} data-rank={meme.rank}>
              <td>
                <span className="rank-badge" data-rank={meme.rank <= 3 ? meme.rank : undefined}>
                  {meme.rank}
                </span>
              </td>
              <th scope="row" className="leaderboard-meme">
                <img className="leaderboard-thumb" src={meme.thumbnailUrl} alt="" loading="lazy" />
                <span className="leaderboard-title">
                  {linkToWatch ? (
                    <Link to={`/watch/${encodeURIComponent(meme.memeId)}`}>{meme.title}</Link>
                  ) : (
                    meme.title
                  )}
                  <span className="leaderboard-creator">by {meme.creator.label}</span>
                </span>
              </th>
              <td className="numeric mono">{formatInteger(meme.paidSeconds)}</td>
              <td className="numeric mono">{formatSats(meme.revenueSats)}</td>
              <td className="numeric mono">{formatInteger(meme.viewers)}</td>
              {showPrizes && <td className="numeric mono">{prizeCell(meme, poolSats, params)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
