/**
 * Trading meme ownership (SPEC 2 "Marketplace"): listings, purchases, offers.
 *
 * A trade is one database transaction: the ledger transfers (the price from buyer to seller,
 * then the fee from seller to the platform; see fees.ts for the rounding), the trade row, the
 * move of memes.owner_user_id, and the end of the listing or offer it came from. The ledger
 * checks the buyer's balance under its account locks, then the rows are written in its
 * `alsoWrite`, which re-checks the rules under the meme's and the listing's or offer's row locks.
 * A rule that no longer holds there (the listing was sold or cancelled a moment ago, the seller
 * no longer owns the meme) throws `Refused`, which rolls back the whole transaction, money
 * included: of two buyers racing for one listing exactly one is charged, and a cancel racing a
 * purchase leaves either a cancelled listing and no trade or a trade and no cancel. The watch
 * service reads owner_user_id at every billing flush, so the owner share goes to the new owner
 * from the next flush on.
 *
 * Offers. A bid reserves its price with a ledger hold (the buyer's balance shows it as held, and
 * it cannot be spent elsewhere), created in the same transaction as the offer row. Holds need an
 * expiry and the sweeper releases those past it, which suits a watch session that a dead
 * process left open but not an offer, which stays open until someone decides: offer holds
 * expire in the year 9999. Accepting captures the hold (Ledger.captureHold: the hold closes and
 * the trade's transfers are paid from the freed amount in one transaction, together with the
 * rows), so the money goes nowhere in between. The offer row is the decision and its hold
 * follows: a withdrawal, or the sale of the meme to someone else (which voids every other open
 * offer on it, in the trade's own transaction), changes the row first and releases the hold
 * right after. Should the process die in between, `releaseClosedOfferHolds` (run at start)
 * releases the holds of offers that are no longer open; an accept in that window finds the
 * offer not open and moves nothing.
 *
 * Idempotency (SPEC 7): a purchase's trade id and an offer's id derive from the user and their
 * idempotency key, so a retry answers with the first result and a reuse of the key for another
 * request is refused; an accepted offer's trade id derives from the offer, which can be accepted
 * once. Listing and cancelling move no money and need no key: a repeated cancel answers the
 * cancelled listing, a repeated listing ALREADY_LISTED.
 */
import { createHash, randomBytes } from 'node:crypto'
import type {
  ListingView,
  MarketQuote,
  MarketUpdateKind,
  OfferView,
  TradeView,
} from '../../../contracts/market.ts'
import { assert } from '../../domain/money.ts'
import { PLATFORM_FEES_ACCOUNT, userAccountId } from '../../ledger/accounts.ts'
import type { Ledger, Trx } from '../../ledger/ledger.ts'
import type { TransferInput } from '../../ledger/types.ts'
import { IDEMPOTENCY_KEY_PATTERN } from '../wallet/withdrawals.ts'
import { checkPrice, splitPrice, TRADE_CODES, tradeTransferIds } from './fees.ts'
import type { MarketMemeRow, MarketRepository, Offer, Trade } from './market.repository.ts'
import type { MarketQueries } from './market-queries.ts'

/** Offer holds stay open until the offer is decided; see the header. */
export const OFFER_HOLD_EXPIRES_AT = new Date('9999-12-31T00:00:00Z')
/** How many leftover offer holds one sweep releases. */
const RELEASE_BATCH = 500

export type MarketFailure =
  | 'PRICE_INVALID'
  | 'PRICE_BELOW_MINIMUM'
  | 'MEME_NOT_FOUND'
  | 'MEME_NOT_TRADABLE'
  | 'NOT_OWNER'
  | 'ALREADY_LISTED'
  | 'LISTING_NOT_FOUND'
  | 'LISTING_NOT_ACTIVE'
  | 'CANNOT_BUY_OWN'
  | 'ALREADY_OFFERED'
  | 'OFFER_NOT_FOUND'
  | 'OFFER_NOT_OPEN'
  | 'INSUFFICIENT_FUNDS'
  | 'ACCOUNT_FROZEN'
  | 'IDEMPOTENCY_KEY_INVALID'
  | 'IDEMPOTENCY_KEY_REUSED'

export type Failed = { status: MarketFailure }
export type QuoteResult = { status: 'ok'; quote: MarketQuote } | Failed
export type ListResult = { status: 'created'; listing: ListingView } | Failed
export type CancelResult = { status: 'ok'; listing: ListingView } | Failed
export type TradeResult = { status: 'created' | 'existing'; trade: TradeView } | Failed
export type OfferResult = { status: 'created' | 'existing'; offer: OfferView } | Failed
export type WithdrawResult = { status: 'ok'; offer: OfferView } | Failed

export interface MarketServiceOptions {
  repository: MarketRepository
  /** Turns the rows written into what the API answers. */
  views: Pick<MarketQueries, 'listing' | 'offer' | 'trade'>
  ledger: Pick<
    Ledger,
    'ensureAccounts' | 'transfer' | 'createHold' | 'captureHold' | 'releaseHold' | 'getAccount'
  >
  /** config.money.platformFeeBps */
  feeBps: number
  /** config.money.marketMinPriceSats */
  minimumPriceSats: number
  now?: () => Date
  logger?: { error(details: object, message: string): void }
  /** Told each user's balance after a trade, offer or withdrawal changed it (the user channel). */
  onBalance?: (userId: string, balance: { balanceSats: number; availableSats: number }) => void
  /** Told of each change others may be looking at (main.ts: the bus topic market.updated). */
  onUpdate?: (update: { memeId: string; kind: MarketUpdateKind }) => void
}

/** Offers a trade voided: their holds to release, and whose they were. */
type Voided = Array<{ holdId: string; buyerUserId: string }>

/** A rule found broken under the locks: thrown inside the transaction to roll it all back. */
class Refused extends Error {
  constructor(readonly code: MarketFailure) {
    super(`refused: ${code}`)
  }
}

/** Runs a ledger call whose `alsoWrite` may refuse, turning the refusal into its code. */
async function refusable<T>(work: () => Promise<T>): Promise<T | Failed> {
  try {
    return await work()
  } catch (error) {
    if (error instanceof Refused) return { status: error.code }
    throw error
  }
}

/** A refusal of ours; the ledger's own outcomes are lowercase and never among them. */
function isFailed(value: unknown): value is Failed {
  return typeof value === 'object' && value !== null && 'status' in value && isFailure(value.status)
}

const FAILURES = new Set<string>([
  'PRICE_INVALID',
  'PRICE_BELOW_MINIMUM',
  'MEME_NOT_FOUND',
  'MEME_NOT_TRADABLE',
  'NOT_OWNER',
  'ALREADY_LISTED',
  'LISTING_NOT_FOUND',
  'LISTING_NOT_ACTIVE',
  'CANNOT_BUY_OWN',
  'ALREADY_OFFERED',
  'OFFER_NOT_FOUND',
  'OFFER_NOT_OPEN',
  'INSUFFICIENT_FUNDS',
  'ACCOUNT_FROZEN',
  'IDEMPOTENCY_KEY_INVALID',
  'IDEMPOTENCY_KEY_REUSED',
] satisfies MarketFailure[])

function isFailure(status: unknown): status is MarketFailure {
  return typeof status === 'string' && FAILURES.has(status)
}

function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)
}

/** A purchase's trade id: one per buyer and idempotency key. */
export function purchaseTradeId(buyerUserId: string, idempotencyKey: string): string {
  return `tr_${digest('purchase', buyerUserId, idempotencyKey)}`
}

/** An accepted offer's trade id: an offer is accepted at most once. */
export function acceptedTradeId(offerId: string): string {
  return `tr_${digest('offer', offerId)}`
}

export function offerIdFor(buyerUserId: string, idempotencyKey: string): string {
  return `of_${digest('offer', buyerUserId, idempotencyKey)}`
}

export function offerHoldId(offerId: string): string {
  return `offer:${offerId}`
}

/** The ledger transfers of a trade, in the order their ids are listed (fees.ts tradeTransferIds). */
export function tradeTransfers(trade: Trade): TransferInput[] {
  const [priceId, feeId] = tradeTransferIds(trade.id, trade.feeSats)
  assert(priceId, 'a trade has a price transfer')
  const seller = userAccountId(trade.sellerUserId)
  const transfers: TransferInput[] = [
    {
      id: priceId,
      debitAccountId: userAccountId(trade.buyerUserId),
      creditAccountId: seller,
      amountSats: trade.priceSats,
      code: TRADE_CODES.price,
      ref: trade.id,
    },
  ]
  if (feeId) {
    transfers.push({
      id: feeId,
      debitAccountId: seller,
      creditAccountId: PLATFORM_FEES_ACCOUNT,
      amountSats: trade.feeSats,
      code: TRADE_CODES.fee,
      ref: trade.id,
    })
  }
  return transfers
}

/** Why `buyerUserId` may not bid on or buy `meme`, if they may not. */
function buyRefusal(meme: MarketMemeRow | undefined, buyerUserId: string): MarketFailure | undefined {
  if (!meme) return 'MEME_NOT_FOUND'
  if (meme.state !== 'assigned') return 'MEME_NOT_TRADABLE'
  if (meme.ownerUserId === buyerUserId) return 'CANNOT_BUY_OWN'
  return undefined
}

export class MarketService {
  private readonly now: () => Date

  constructor(private readonly options: MarketServiceOptions) {
    this.now = options.now ?? (() => new Date())
    assert(
      splitPrice(options.minimumPriceSats, options.feeBps).sellerReceivesSats > 0,
      'a sale pays its seller',
    )
  }

  /** Releases the holds a crash left behind offers that were already withdrawn or void. */
  async init(): Promise<number> {
    return this.releaseClosedOfferHolds()
  }

  /** The fee and what the seller receives at `priceSats`, before anyone confirms. */
  quote(priceSats: unknown): QuoteResult {
    const check = checkPrice(priceSats, this.options.minimumPriceSats)
    if (check !== 'ok') return { status: check }
    return {
      status: 'ok',
      quote: {
        ...splitPrice(priceSats as number, this.options.feeBps),
        feeBps: this.options.feeBps,
        minimumPriceSats: this.options.minimumPriceSats,
      },
    }
  }

  /** Lists a meme its owner holds at `priceSats`: one active listing per meme. */
  async list(userId: string, memeId: string, priceSats: unknown): Promise<ListResult> {
    const check = checkPrice(priceSats, this.options.minimumPriceSats)
    if (check !== 'ok') return { status: check }
    const { repository } = this.options
    const id = `ls_${randomBytes(16).toString('hex')}`
    const outcome = await repository.inMemeTransaction(
      memeId,
      async (trx, meme): Promise<MarketFailure | 'created'> => {
        if (!meme) return 'MEME_NOT_FOUND'
        if (meme.ownerUserId !== userId) return 'NOT_OWNER'
        if (meme.state !== 'assigned') return 'MEME_NOT_TRADABLE'
        if (await repository.activeListingOf(trx, memeId)) return 'ALREADY_LISTED'
        await repository.insertListing(
          trx,
          { id, memeId, sellerUserId: userId, priceSats: priceSats as number },
          this.now(),
        )
        return 'created'
      },
    )
    if (outcome !== 'created') return { status: outcome }
    this.updated(memeId, 'listed')
    return { status: 'created', listing: await this.listingView(id) }
  }

  /** Cancels the seller's active listing; a repeated cancel answers the cancelled listing. */
  async cancel(userId: string, listingId: string): Promise<CancelResult> {
    const { repository } = this.options
    const listing = await repository.listing(listingId)
    if (!listing) return { status: 'LISTING_NOT_FOUND' }
    if (listing.sellerUserId !== userId) return { status: 'NOT_OWNER' }
    const cancelled =
      listing.state === 'active' ? await repository.cancelListing(listingId, userId, this.now()) : undefined
    if (cancelled) this.updated(listing.memeId, 'cancelled')
    const current = cancelled ?? (listing.state === 'active' ? await repository.listing(listingId) : listing)
    assert(current && current.state !== 'active', `listing ${listingId} is no longer active once cancelled`)
    if (current.state !== 'cancelled') return { status: 'LISTING_NOT_ACTIVE' }
    return { status: 'ok', listing: await this.listingView(listingId) }
  }

  /** Buys a listed meme at the listing's price; see the header for what happens at once. */
  async purchase(
    buyerUserId: string,
    listingId: string,
    idempotencyKey: string | undefined,
  ): Promise<TradeResult> {
    if (idempotencyKey === undefined || !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      return { status: 'IDEMPOTENCY_KEY_INVALID' }
    }
    const { repository, ledger } = this.options
    const tradeId = purchaseTradeId(buyerUserId, idempotencyKey)
    const previous = await repository.trade(tradeId)
    if (previous) return this.samePurchase(previous, listingId)
    const listing = await repository.listing(listingId)
    if (!listing) return { status: 'LISTING_NOT_FOUND' }
    if (listing.state !== 'active') return { status: 'LISTING_NOT_ACTIVE' }
    if (listing.sellerUserId === buyerUserId) return { status: 'CANNOT_BUY_OWN' }
    if (await repository.isFrozen(buyerUserId)) return { status: 'ACCOUNT_FROZEN' }

    const split = splitPrice(listing.priceSats, this.options.feeBps)
    const trade: Trade = {
      id: tradeId,
      memeId: listing.memeId,
      sellerUserId: listing.sellerUserId,
      buyerUserId,
      priceSats: split.priceSats,
      feeSats: split.feeSats,
      listingId,
      offerId: null,
      createdAt: this.now(),
    }
    await ledger.ensureAccounts([
      { id: userAccountId(buyerUserId), kind: 'user' },
      { id: userAccountId(listing.sellerUserId), kind: 'user' },
    ])
    let voided: Voided = []
    const outcome = await refusable(() =>
      ledger.transfer(tradeTransfers(trade), async (trx) => {
        const meme = await repository.lockMeme(trx, listing.memeId)
        const locked = await repository.lockListing(trx, listingId)
        if (locked?.state !== 'active' || meme?.ownerUserId !== listing.sellerUserId) {
          throw new Refused('LISTING_NOT_ACTIVE')
        }
        if (meme.state !== 'assigned') throw new Refused('MEME_NOT_TRADABLE')
        await repository.insertTrade(trx, trade)
        await repository.markListingSold(trx, listingId, tradeId, trade.createdAt)
        voided = await this.changeHands(trx, trade)
      }),
    )
    if (isFailed(outcome)) return outcome
    if (outcome.status === 'ok') {
      await this.afterTrade(trade, voided)
      return { status: 'created', trade: await this.tradeView(tradeId) }
    }
    if (outcome.status === 'insufficient_funds') return { status: 'INSUFFICIENT_FUNDS' }
    // 'exists' and 'exists_with_different_fields': a request with this key committed first.
    const stored = await repository.trade(tradeId)
    if (stored) return this.samePurchase(stored, listingId)
    assert(outcome.status === 'exists_with_different_fields', `a purchase's transfers: ${outcome.status}`)
    return { status: 'IDEMPOTENCY_KEY_REUSED' }
  }

  /** Bids `priceSats` on a meme, holding the price from the buyer's balance while the offer is open. */
  async offer(
    buyerUserId: string,
    memeId: string,
    priceSats: unknown,
    idempotencyKey: string | undefined,
  ): Promise<OfferResult> {
    if (idempotencyKey === undefined || !IDEMPOTENCY_KEY_PATTERN.test(idempotencyKey)) {
      return { status: 'IDEMPOTENCY_KEY_INVALID' }
    }
    const check = checkPrice(priceSats, this.options.minimumPriceSats)
    if (check !== 'ok') return { status: check }
    const price = priceSats as number
    const { repository, ledger } = this.options
    const id = offerIdFor(buyerUserId, idempotencyKey)
    const previous = await repository.offer(id)
    if (previous) return this.sameOffer(previous, memeId, price)
    if (await repository.isFrozen(buyerUserId)) return { status: 'ACCOUNT_FROZEN' }
    const refusal = buyRefusal(await repository.meme(memeId), buyerUserId)
    if (refusal) return { status: refusal }
    if (await repository.openOfferOf(memeId, buyerUserId)) return { status: 'ALREADY_OFFERED' }

    const account = userAccountId(buyerUserId)
    await ledger.ensureAccounts([{ id: account, kind: 'user' }])
    const holdId = offerHoldId(id)
    const outcome = await refusable(() =>
      ledger.createHold(
        { id: holdId, accountId: account, amountSats: price, expiresAt: OFFER_HOLD_EXPIRES_AT },
        async (trx) => {
          const refused = buyRefusal(await repository.lockMeme(trx, memeId), buyerUserId)
          if (refused) throw new Refused(refused)
          if (await repository.openOfferOf(memeId, buyerUserId, trx)) throw new Refused('ALREADY_OFFERED')
          await repository.insertOffer(trx, { id, memeId, buyerUserId, priceSats: price, holdId }, this.now())
        },
      ),
    )
    if (isFailed(outcome)) return outcome
    switch (outcome) {
      case 'ok':
        this.updated(memeId, 'offer')
        await this.announce([buyerUserId])
        return { status: 'created', offer: await this.offerView(id) }
      case 'insufficient_funds':
        return { status: 'INSUFFICIENT_FUNDS' }
      case 'exists_with_different_fields':
        return { status: 'IDEMPOTENCY_KEY_REUSED' }
      default: {
        assert(outcome === 'exists', `an offer's hold: ${outcome}`)
        // A concurrent request with this key won; its offer committed with its hold.
        const stored = await repository.offer(id)
        assert(stored, `offer ${id} is recorded with its hold`)
        return this.sameOffer(stored, memeId, price)
      }
    }
  }

  /** The meme's owner accepts an open offer: the trade happens at the offer's price. */
  async accept(ownerUserId: string, offerId: string): Promise<TradeResult> {
    const { repository, ledger } = this.options
    const offer = await repository.offer(offerId)
    if (!offer) return { status: 'OFFER_NOT_FOUND' }
    const tradeId = acceptedTradeId(offerId)
    if (offer.state === 'accepted') return this.sameAcceptance(tradeId, ownerUserId)
    if (offer.state !== 'open') return { status: 'OFFER_NOT_OPEN' }
    const meme = await repository.meme(offer.memeId)
    assert(meme, `offer ${offerId} is on an existing meme`)
    if (meme.ownerUserId !== ownerUserId) return { status: 'NOT_OWNER' }
    if (meme.state !== 'assigned') return { status: 'MEME_NOT_TRADABLE' }

    const split = splitPrice(offer.priceSats, this.options.feeBps)
    const trade: Trade = {
      id: tradeId,
      memeId: offer.memeId,
      sellerUserId: ownerUserId,
      buyerUserId: offer.buyerUserId,
      priceSats: split.priceSats,
      feeSats: split.feeSats,
      listingId: null,
      offerId,
      createdAt: this.now(),
    }
    await ledger.ensureAccounts([{ id: userAccountId(ownerUserId), kind: 'user' }])
    let voided: Voided = []
    const outcome = await refusable(() =>
      ledger.captureHold(offer.holdId, tradeTransfers(trade), async (trx) => {
        const locked = await repository.lockMeme(trx, offer.memeId)
        const lockedOffer = await repository.lockOffer(trx, offerId)
        if (lockedOffer?.state !== 'open') throw new Refused('OFFER_NOT_OPEN')
        if (locked?.ownerUserId !== ownerUserId) throw new Refused('NOT_OWNER')
        if (locked.state !== 'assigned') throw new Refused('MEME_NOT_TRADABLE')
        await repository.insertTrade(trx, trade)
        await repository.markOfferAccepted(trx, offerId, tradeId, trade.createdAt)
        await repository.closeActiveListing(trx, offer.memeId, trade.createdAt)
        voided = await this.changeHands(trx, trade)
      }),
    )
    if (isFailed(outcome)) return outcome
    switch (outcome.status) {
      case 'ok':
        await this.afterTrade(trade, voided)
        return { status: 'created', trade: await this.tradeView(tradeId) }
      case 'hold_closed':
      case 'hold_not_found':
      case 'hold_expired':
        return { status: 'OFFER_NOT_OPEN' }
      default:
        // The hold covers the price, and the seller's fee comes out of the price.
        assert(outcome.status !== 'insufficient_funds', 'a captured offer pays its trade')
        return this.sameAcceptance(tradeId, ownerUserId)
    }
  }

  /** The buyer withdraws an open offer; its hold is released. A repeat answers the withdrawn offer. */
  async withdraw(buyerUserId: string, offerId: string): Promise<WithdrawResult> {
    const { repository } = this.options
    const offer = await repository.offer(offerId)
    if (!offer || offer.buyerUserId !== buyerUserId) return { status: 'OFFER_NOT_FOUND' }
    const current =
      offer.state === 'open'
        ? ((await repository.withdrawOffer(offerId, buyerUserId, this.now())) ??
          (await repository.offer(offerId)))
        : offer
    assert(current && current.state !== 'open', `offer ${offerId} is decided once withdrawn`)
    // Withdrawn or void: the hold goes (again, harmlessly, if it went already).
    if (current.state !== 'accepted') await this.releaseHolds([current.holdId])
    if (current.state !== 'withdrawn') return { status: 'OFFER_NOT_OPEN' }
    if (offer.state === 'open') {
      this.updated(offer.memeId, 'offer')
      await this.announce([buyerUserId])
    }
    return { status: 'ok', offer: await this.offerView(offerId) }
  }

  /** Releases the holds of offers that are withdrawn or void; returns how many it released. */
  async releaseClosedOfferHolds(): Promise<number> {
    let released = 0
    for (;;) {
      const holds = await this.options.repository.holdsOfClosedOffers(RELEASE_BATCH)
      const now = await this.releaseHolds(holds)
      released += now
      // A batch that released nothing would come back the same: its failures are logged.
      if (holds.length < RELEASE_BATCH || now === 0) return released
    }
  }

  /** The move of ownership common to both ways of trading, after the trade row is written. */
  private async changeHands(trx: Trx, trade: Trade): Promise<Voided> {
    const { repository } = this.options
    const moved = await repository.moveOwner(trx, trade.memeId, trade.sellerUserId, trade.buyerUserId)
    assert(moved, `the seller of trade ${trade.id} owned the meme under its lock`)
    return repository.voidOpenOffers(trx, trade.memeId, trade.createdAt)
  }

  /** After a trade commits: the voided offers' holds go, and everyone whose money moved hears of it. */
  private async afterTrade(trade: Trade, voided: Voided): Promise<void> {
    this.updated(trade.memeId, 'sold')
    await this.releaseHolds(voided.map((v) => v.holdId))
    await this.announce([trade.buyerUserId, trade.sellerUserId, ...voided.map((v) => v.buyerUserId)])
  }

  /** Tells whoever listens that the meme changed; a listener's failure is theirs, logged. */
  private updated(memeId: string, kind: MarketUpdateKind): void {
    try {
      this.options.onUpdate?.({ memeId, kind })
    } catch (error) {
      this.options.logger?.error({ err: error, memeId, kind }, 'announcing a market change failed')
    }
  }

  private async announce(userIds: readonly string[]): Promise<void> {
    const { onBalance, ledger } = this.options
    if (!onBalance) return
    for (const userId of new Set(userIds)) {
      try {
        const account = await ledger.getAccount(userAccountId(userId))
        if (account)
          onBalance(userId, { balanceSats: account.balanceSats, availableSats: account.availableSats })
      } catch (error) {
        this.options.logger?.error({ err: error, userId }, 'announcing a balance failed')
      }
    }
  }

  /**
   * Frees the holds of offers that stopped being open. Failures are logged, not thrown: the
   * decision is committed, and the next sweep releases what is left.
   */
  private async releaseHolds(holdIds: readonly string[]): Promise<number> {
    let released = 0
    for (const holdId of holdIds) {
      try {
        const result = await this.options.ledger.releaseHold(holdId, 'voided')
        if (result === 'ok') released++
        else if (result !== 'exists')
          this.options.logger?.error({ holdId, result }, 'an offer hold was not released')
      } catch (error) {
        this.options.logger?.error({ err: error, holdId }, 'releasing an offer hold failed')
      }
    }
    return released
  }

  private async samePurchase(trade: Trade, listingId: string): Promise<TradeResult> {
    return trade.listingId === listingId
      ? { status: 'existing', trade: await this.tradeView(trade.id) }
      : { status: 'IDEMPOTENCY_KEY_REUSED' }
  }

  private async sameOffer(offer: Offer, memeId: string, priceSats: number): Promise<OfferResult> {
    return offer.memeId === memeId && offer.priceSats === priceSats
      ? { status: 'existing', offer: await this.offerView(offer.id) }
      : { status: 'IDEMPOTENCY_KEY_REUSED' }
  }

  private async sameAcceptance(tradeId: string, ownerUserId: string): Promise<TradeResult> {
    const trade = await this.options.repository.trade(tradeId)
    return trade?.sellerUserId === ownerUserId
      ? { status: 'existing', trade: await this.tradeView(tradeId) }
      : { status: 'OFFER_NOT_OPEN' }
  }

  private async listingView(id: string): Promise<ListingView> {
    const view = await this.options.views.listing(id)
    assert(view, `listing ${id} exists`)
    return view
  }

  private async offerView(id: string): Promise<OfferView> {
    const view = await this.options.views.offer(id)
    assert(view, `offer ${id} exists`)
    return view
  }

  private async tradeView(id: string): Promise<TradeView> {
    const view = await this.options.views.trade(id)
    assert(view, `trade ${id} exists`)
    return view
  }
}
