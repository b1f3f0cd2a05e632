/**
 * The demo's market (src/demo.ts): on a fresh start every meme belongs to a demo creator, who
 * cannot sign in, so without this a newcomer would find nothing to buy. The demo creators put a
 * few of their memes up for sale at modest prices, through MarketService like any owner (the
 * rules, the one active listing per meme and the trade history all hold), and only once a meme is
 * in a round ('assigned'), so that what a newcomer buys can be watched and earn at once.
 *
 * At most DEMO_FOR_SALE demo listings are active at a time; when a newcomer buys one, the next
 * demo meme that was never listed takes its place. A meme the demo listed once is not listed by
 * it again (sold on, it belongs to someone who can decide for themselves). Everything is read
 * back from the database on each look, so a restart lists nothing twice, and a second process
 * racing this one is refused ALREADY_LISTED by the market's own rule.
 */
import type { Db } from '../adapters/db/database.ts'
import type { MemeState } from '../adapters/db/schema.ts'
import type { MarketService } from '../services/market/market.service.ts'

/** How many demo memes are for sale at once. */
export const DEMO_FOR_SALE = 5
/** Prices of the demo's listings, by a meme's place among the demo memes, round and round. */
const PRICE_STEPS_SATS = [1_000, 2_000, 3_000, 4_000, 5_000] as const

/** The demo's price of the demo meme at `index` (upload order): modest, never below the minimum. */
export function demoPriceSats(index: number, minimumPriceSats: number): number {
  return Math.max(minimumPriceSats, PRICE_STEPS_SATS[index % PRICE_STEPS_SATS.length]!)
}

export interface DemoListingDeps {
  db: Db
  market: Pick<MarketService, 'list'>
  minimumPriceSats: number
  creatorIds: readonly string[]
}

export interface DemoListed {
  memeId: string
  priceSats: number
}

/** A demo meme as the demo reads it, in upload order. */
export interface DemoMemeForSale {
  id: string
  state: MemeState
  owner_user_id: string
}

/**
 * Lists some of `memes` (the demo memes, in upload order) until DEMO_FOR_SALE are for sale or
 * none is left to list; answers what it listed.
 */
export async function listDemoMemes(
  memes: readonly DemoMemeForSale[],
  deps: DemoListingDeps,
): Promise<DemoListed[]> {
  const { db, market, creatorIds } = deps
  const listings = await db.kysely
    .selectFrom('market_listings as l')
    .innerJoin('memes as m', 'm.id', 'l.meme_id')
    .select(['l.meme_id', 'l.state', 'l.seller_user_id'])
    .where('m.creator_user_id', 'in', [...creatorIds])
    .execute()
  const everListed = new Set(listings.map((l) => l.meme_id))
  let forSale = listings.filter((l) => l.state === 'active' && creatorIds.includes(l.seller_user_id)).length
  const listed: DemoListed[] = []
  for (const [index, meme] of memes.entries()) {
    if (forSale >= DEMO_FOR_SALE) break
    if (meme.state !== 'assigned' || everListed.has(meme.id)) continue
    if (!creatorIds.includes(meme.owner_user_id)) continue
    const priceSats = demoPriceSats(index, deps.minimumPriceSats)
    const result = await market.list(meme.owner_user_id, meme.id, priceSats)
    // Refused: another process listed it a moment ago (then it is for sale), or it moved on.
    if (result.status === 'ALREADY_LISTED') forSale++
    if (result.status !== 'created') continue
    forSale++
    listed.push({ memeId: meme.id, priceSats })
  }
  return listed
}
