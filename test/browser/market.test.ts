/**
 * Proves the marketplace pages in Chromium against the real server (src/main.ts) on its devnet,
 * with two users in two browser contexts, each signing in with a (simulated) Yours Wallet, and
 * blocks mined by the test:
 *   - A signs in first, so A is the admin; A uploads a picture of their own (A's address as its
 *     creator, so A is its first owner), the real workers animate it, A approves it, and the next
 *     block assigns it to a round, which makes it tradable. B funds 10,000 sats from the faucet,
 *     credited by the same block;
 *   - A lists it for 2,000 sats from My memes; the confirmation shows the 40 sats fee and the
 *     1,960 sats A will receive;
 *   - signed out, the market shows the listing and the meme's page can be read, without buttons to
 *     trade, and both ask to connect a wallet (also at 320 px, without sideways scrolling);
 *   - B buys it from the market: the confirmation shows price 2,000, fee 40 and seller receives
 *     1,960; after it, B's balance is exactly 2,000 lower and A's exactly 1,960 higher;
 *   - the meme's page then shows B as the owner and the trade in its history and chart, and A's
 *     My memes no longer lists it among the memes A owns (only among those A created);
 *   - offers: A bids 1,000 (held from A's balance) and withdraws it (freed), bids 1,500, and B
 *     accepts it from My memes seeing the 30 sats fee and 1,470 sats proceeds: A owns it again.
 *
 * Then, on a fresh start with the demo on (its meme animated by the real workers and approved;
 * the test mines the block that puts it in a round), newcomers trade a demo meme end to end:
 *   - the demo lists it for 1,000 sats; newcomer A buys it (confirmation: fee 20, the seller
 *     receives 980) and A's balance falls by exactly 1,000;
 *   - A lists it again for 2,000 from its page, where the Market nav item is current; B's market,
 *     open all along, shows the listing without a reload (the `market` channel; the fallback poll
 *     is a minute);
 *   - B buys it (fee 40, A receives 1,960): B's balance falls by exactly 2,000 and A's rises by
 *     exactly 1,960, and A's My memes, open all along, no longer lists it as owned, unreloaded;
 *   - a viewer watches it; B's balance and earnings rise by exactly the owner share of what the
 *     viewer was charged (src/domain/split.ts with the round's parameters), and the demo creator
 *     gets the creator share, not B.
 * Screenshots: test-results/browser/market-*.png.
 */
import { PrivateKey } from '@bsv/sdk'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { SessionResponse } from '../../contracts/auth.ts'
import type { AdminMemeView } from '../../contracts/content.ts'
import type { ListingsResponse, MemeDetail } from '../../contracts/market.ts'
import type { CurrentRoundResponse, EarningsResponse } from '../../contracts/rounds.ts'
import type { WalletResponse } from '../../contracts/wallet.ts'
import { splitTotal } from '../../src/domain/split.ts'
import {
  documentWidth,
  ensureWebBuild,
  injectYours,
  launchBrowser,
  type RunningServer,
  screenshot,
  startServer,
  watchForProblems,
} from './support.ts'

const DESKTOP = { width: 1280, height: 900 }
const NARROW = { width: 320, height: 640 }
const TITLE = 'Harbour lights for sale'
const FAUCET_SATS = 10_000
const PRICE_SATS = 2_000
const FEE_SATS = 40
const PROCEEDS_SATS = 1_960
/** The local engine animates a 1920 × 1080 picture in seconds to half a minute; room for a slow machine. */
const ANIMATED_MS = 180_000
const VIEWPORT_ONLY = { fullPage: false }

let server: RunningServer
let browser: Browser

interface Person {
  key: PrivateKey
  context: BrowserContext
  page: Page
  problems: string[]
  userId: string
}

let seller: Person
let buyer: Person
let memeId = ''

async function api<T>(page: Page, path: string, method = 'GET', body?: unknown): Promise<T> {
  return page.evaluate(
    async ({ path, method, body }) => {
      const response = await fetch(path, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
      return (await response.json()) as T
    },
    { path, method, body },
  )
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** A new context signed in through the Connect dialog of the wallet page, as a newcomer would. */
async function signIn(): Promise<Person> {
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: server.baseUrl })
  const key = PrivateKey.fromRandom()
  await injectYours(context, key)
  const page = await context.newPage()
  const problems = watchForProblems(page)
  await page.goto('/wallet')
  await page.getByRole('main').getByRole('button', { name: 'Connect a wallet' }).click()
  const dialog = page.getByRole('dialog', { name: 'Connect a wallet' })
  await dialog
    .getByRole('listitem')
    .filter({ hasText: 'Yours Wallet' })
    .first()
    .getByRole('button', { name: 'Connect Yours Wallet' })
    .click()
  await dialog.waitFor({ state: 'detached' })
  await page.locator('#deposit-address').waitFor()
  const session = await api<SessionResponse>(page, '/api/v1/auth/me')
  return { key, context, page, problems, userId: session.user.id }
}

async function available(page: Page): Promise<number> {
  return (await api<WalletResponse>(page, '/api/v1/wallet')).balance.availableSats
}

/** A harbour at night: gradients and shapes enough for the engine's depth estimate. */
function harbourPng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1920" height="1080">
    <defs>
      <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="#0b1038"/><stop offset="1" stop-color="#5a3d8a"/>
      </linearGradient>
      <linearGradient id="sea" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="#1c2f5e"/><stop offset="1" stop-color="#060a1c"/>
      </linearGradient>
    </defs>
    <rect width="1920" height="1080" fill="url(#sky)"/>
    <circle cx="380" cy="240" r="120" fill="#f6f0c8"/>
    <rect y="640" width="1920" height="440" fill="url(#sea)"/>
    <polygon points="900,640 1100,380 1300,640" fill="#27335c"/>
    <rect x="1320" y="420" width="90" height="220" fill="#3b2d6e"/>
    <rect x="1340" y="440" width="50" height="40" fill="#ffd166"/>
    <polygon points="200,760 620,760 560,840 260,840" fill="#9339f4"/>
    <rect x="400" y="600" width="12" height="160" fill="#d3d6e8"/>
  </svg>`
  return sharp(Buffer.from(svg)).png().toBuffer()
}

/** The admin's upload API, from the page (its session cookie), with the uploader as creator. */
async function uploadOwnMeme(page: Page, creator: string): Promise<AdminMemeView> {
  const png = (await harbourPng()).toString('base64')
  return page.evaluate(
    async ({ png, creator, title }) => {
      const bytes = Uint8Array.from(atob(png), (char) => char.charCodeAt(0))
      const form = new FormData()
      form.append('creator', creator)
      form.append('title', title)
      form.append('tags', 'harbour, night')
      form.append('file', new Blob([bytes], { type: 'image/png' }), 'harbour.png')
      const response = await fetch('/api/v1/admin/memes', { method: 'POST', body: form })
      if (response.status !== 201) throw new Error(`upload: ${response.status} ${await response.text()}`)
      return (await response.json()) as AdminMemeView
    },
    { png, creator, title: TITLE },
  )
}

function breakdown(scope: Locator) {
  return {
    price: scope.getByTestId('breakdown-price'),
    fee: scope.getByTestId('breakdown-fee'),
    proceeds: scope.getByTestId('breakdown-proceeds'),
  }
}

beforeAll(async () => {
  ensureWebBuild()
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
})

describe('trading a meme between two users', () => {
  beforeAll(async () => {
    server = await startServer({ env: { DEVNET_BLOCK_INTERVAL_S: '0', DEPOSIT_CONFIRMATIONS: '1' } })
  })
  afterAll(async () => {
    await server?.stop()
  })

  test(
    'A (the admin) publishes a meme of their own, a block makes it tradable; B is funded',
    async () => {
      seller = await signIn()
      buyer = await signIn()
      const meme = await uploadOwnMeme(seller.page, seller.key.toAddress())
      memeId = meme.id
      expect(meme.creator.id).toBe(seller.userId)

      // B funds from the faucet on the wallet page; the block below credits it.
      await buyer.page.getByLabel('Amount in sats').fill(String(FAUCET_SATS))
      await buyer.page.getByRole('button', { name: 'Get test coins' }).click()
      await buyer.page.getByRole('status').filter({ hasText: 'Sent 10,000 sats' }).waitFor()

      // Animated by the real workers, approved into the round queue, assigned by the next block.
      await until('the meme ready for review', ANIMATED_MS, async () => {
        const view = await api<AdminMemeView>(seller.page, `/api/v1/admin/memes/${memeId}`)
        if (view.state === 'rejected') throw new Error(`the meme was rejected: ${view.reviewReason}`)
        return view.state === 'in_review' ? view : undefined
      })
      await api(seller.page, `/api/v1/admin/memes/${memeId}/approve`, 'POST')
      await api(seller.page, '/api/v1/devnet/mine', 'POST', { count: 1 })
      const detail = await until('the meme tradable', 30_000, async () => {
        const found = await api<MemeDetail>(seller.page, `/api/v1/memes/${memeId}`)
        return found.meme.tradable ? found : undefined
      })
      expect(detail.meme.owner.id).toBe(seller.userId)
      await until('the deposit credited', 30_000, async () =>
        (await available(buyer.page)) === FAUCET_SATS ? true : undefined,
      )
      expect(seller.problems).toEqual([])
      expect(buyer.problems).toEqual([])
    },
    ANIMATED_MS + 60_000,
  )

  test('A lists it for 2,000 sats from My memes, seeing the fee and what A will receive', async () => {
    const { page, problems } = seller
    await page.goto('/market/mine')
    const mine = page.getByRole('list', { name: 'Memes you own' }).getByTestId('my-meme')
    const card = mine.filter({ hasText: TITLE })
    await card.getByText('Not listed.').waitFor()
    await screenshot(page, 'market-mine-before')
    await card.getByRole('button', { name: `List for sale ${TITLE}` }).click()

    const dialog = page.getByRole('dialog', { name: 'List for sale' })
    const price = dialog.getByLabel('Price, in sats')
    // Focus starts in the field; a price below the minimum is refused before anything is sent.
    await expect.poll(() => price.evaluate((input) => input === document.activeElement)).toBe(true)
    await price.fill('999')
    await dialog.getByRole('button', { name: 'Review' }).click()
    await dialog.getByText('The lowest price on the market is 1,000 sats.').waitFor()
    await price.fill('2,000')
    await dialog.getByRole('button', { name: 'Review' }).click()
    const figures = breakdown(dialog)
    await figures.price.filter({ hasText: '2,000 sats' }).waitFor()
    expect(await figures.fee.textContent()).toBe(`${FEE_SATS} sats`)
    expect(await figures.proceeds.textContent()).toBe('1,960 sats')
    await dialog.getByText('You receive').waitFor()
    await screenshot(page, 'market-list-confirm', VIEWPORT_ONLY)
    await dialog.getByRole('button', { name: 'List for 2,000 sats' }).click()
    await dialog.waitFor({ state: 'detached' })

    const notice = page.getByTestId('market-notice')
    await notice.filter({ hasText: `“${TITLE}” is listed for 2,000 sats.` }).waitFor()
    await expect.poll(() => notice.evaluate((element) => element === document.activeElement)).toBe(true)
    await card.getByTestId('my-meme-status').filter({ hasText: 'Listed for 2,000 sats' }).waitFor()
    await card.getByRole('button', { name: `Cancel listing of ${TITLE}` }).waitFor()
    await screenshot(page, 'market-mine-listed')
    expect(problems).toEqual([])
  })

  test('signed out, the listing and the meme page can be read, and trading asks for a wallet', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, baseURL: server.baseUrl })
    const page = await context.newPage()
    const problems = watchForProblems(page)
    await page.goto('/market')
    const card = page.getByTestId('listing-card').filter({ hasText: TITLE })
    await card.getByTestId('listing-price').filter({ hasText: '2,000 sats' }).waitFor()
    expect(await card.getByRole('button').count()).toBe(0)
    await page.getByTestId('market-connect').getByRole('button', { name: 'Connect a wallet' }).waitFor()
    await screenshot(page, 'market-signed-out')

    await card.getByRole('link', { name: TITLE }).click()
    await page.waitForURL(`**/memes/${memeId}`)
    await page.getByRole('heading', { level: 1, name: TITLE }).waitFor()
    await page
      .getByTestId('meme-listing')
      .getByTestId('breakdown-price')
      .filter({ hasText: '2,000 sats' })
      .waitFor()
    await page.getByTestId('market-connect').waitFor()
    expect(await page.getByRole('button', { name: /^Buy/ }).count()).toBe(0)
    await page.getByRole('link', { name: `Watch “${TITLE}”` }).waitFor()
    await screenshot(page, 'market-meme-signed-out')

    await page.setViewportSize(NARROW)
    for (const path of ['/market', `/memes/${memeId}`, '/market/mine']) {
      await page.goto(path)
      await page.getByTestId('market-connect').first().waitFor()
      expect(await documentWidth(page), path).toBeLessThanOrEqual(NARROW.width)
    }
    await page.goto('/market')
    await page.getByTestId('listing-card').first().waitFor()
    await screenshot(page, 'market-signed-out-narrow')
    expect(problems).toEqual([])
    await context.close()
  })

  test('B buys it on the market: price 2,000, fee 40, the seller receives 1,960; balances move exactly', async () => {
    const { page, problems } = buyer
    const sellerBefore = await available(seller.page)
    const buyerBefore = await available(page)
    expect(buyerBefore).toBe(FAUCET_SATS)

    await page.goto('/market')
    const card = page.getByTestId('listing-card').filter({ hasText: TITLE })
    await card.getByTestId('listing-price').filter({ hasText: '2,000 sats' }).waitFor()
    expect(await card.getAttribute('data-meme-id')).toBe(memeId)
    await screenshot(page, 'market-listings')

    // Sorting and filtering: a range above the price hides it, clearing the range shows it again.
    await page.getByLabel('Sort by').selectOption('price_desc')
    await page.waitForURL('**/market?sort=price_desc')
    await page.getByLabel('Lowest price, sats').fill('2001')
    await page.getByRole('button', { name: 'Apply prices' }).click()
    await page.getByText('No listings in this price range').waitFor()
    await page.getByRole('button', { name: 'Clear prices' }).click()
    await card.waitFor()
    const lowest = page.getByLabel('Lowest price, sats')
    expect(await lowest.inputValue()).toBe('')
    await expect.poll(() => lowest.evaluate((input) => input === document.activeElement)).toBe(true)

    // At 320 px the market and the confirmation fit the screen; the first dialog is only looked at.
    await page.setViewportSize(NARROW)
    await card.getByRole('button', { name: `Buy ${TITLE}` }).click()
    let dialog = page.getByRole('dialog', { name: 'Confirm purchase' })
    await breakdown(dialog).price.waitFor()
    expect(await documentWidth(page)).toBeLessThanOrEqual(NARROW.width)
    await screenshot(page, 'market-buy-confirm-narrow', VIEWPORT_ONLY)
    await dialog.getByRole('button', { name: 'Cancel' }).click()
    await dialog.waitFor({ state: 'detached' })
    await screenshot(page, 'market-listings-narrow')
    await page.setViewportSize(DESKTOP)

    await card.getByRole('button', { name: `Buy ${TITLE}` }).click()
    dialog = page.getByRole('dialog', { name: 'Confirm purchase' })
    const figures = breakdown(dialog)
    expect(await figures.price.textContent()).toBe('2,000 sats')
    expect(await figures.fee.textContent()).toBe(`${FEE_SATS} sats`)
    expect(await figures.proceeds.textContent()).toBe('1,960 sats')
    await dialog.getByText('The seller receives').waitFor()
    await dialog.getByText('Platform fee (2%)').waitFor()
    await dialog.getByText('Your available balance: 10,000 sats.').waitFor()
    await screenshot(page, 'market-buy-confirm', VIEWPORT_ONLY)
    const purchases: { key: string | null; status: number }[] = []
    page.on('response', (response) => {
      if (response.url().endsWith('/purchase')) {
        purchases.push({
          key: response.request().headers()['idempotency-key'] ?? null,
          status: response.status(),
        })
      }
    })
    await dialog.getByRole('button', { name: 'Buy for 2,000 sats' }).click()
    await dialog.waitFor({ state: 'detached' })

    const notice = page.getByTestId('market-notice')
    await notice
      .filter({
        hasText: `You own “${TITLE}” now. You paid 2,000 sats; the seller received 1,960 sats after the 40 sats fee.`,
      })
      .waitFor()
    expect(purchases).toHaveLength(1)
    expect(purchases[0]?.status).toBe(201)
    expect(purchases[0]?.key).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
    // The sold listing leaves the market; the header balance follows at once.
    await page.getByText('No listings yet').waitFor()
    await page.getByTestId('header-balance').filter({ hasText: '8,000 sats' }).waitFor()
    await screenshot(page, 'market-bought')

    expect(buyerBefore - (await available(page))).toBe(PRICE_SATS)
    await until('the seller credited', 10_000, async () =>
      (await available(seller.page)) - sellerBefore === PROCEEDS_SATS ? true : undefined,
    )
    expect(FEE_SATS + PROCEEDS_SATS).toBe(PRICE_SATS)
    expect(problems).toEqual([])
  })

  test("the meme page shows B as owner with the trade; A's My memes no longer lists it as owned", async () => {
    const { page, problems } = buyer
    await page.getByTestId('market-notice').getByRole('link', { name: 'Go to the meme' }).click()
    await page.waitForURL(`**/memes/${memeId}`)
    const owner = page.getByTestId('meme-owner')
    await owner.filter({ hasText: '(you)' }).waitFor()
    expect(await owner.getAttribute('data-user-id')).toBe(buyer.userId)
    expect(await page.getByTestId('meme-creator').getAttribute('data-user-id')).toBe(seller.userId)
    await page.getByText('Not for sale at the moment.').waitFor()
    await page.getByRole('button', { name: 'List for sale' }).waitFor()

    const row = page.getByTestId('trade-row')
    await row.first().waitFor()
    expect(await row.count()).toBe(1)
    expect(await row.getByTestId('trade-price').textContent()).toBe('2,000 sats')
    const detail = await api<MemeDetail>(page, `/api/v1/memes/${memeId}`)
    expect(await row.getByTestId('trade-buyer').textContent()).toBe(detail.meme.owner.label)
    expect(await row.getByTestId('trade-seller').textContent()).toBe(detail.meme.creator.label)
    expect(await page.getByTestId('owner-period').count()).toBe(2)
    await page.getByTestId('price-chart').waitFor()
    await screenshot(page, 'market-meme-after')
    await page.setViewportSize(NARROW)
    await page.getByTestId('trade-row').first().waitFor()
    expect(await documentWidth(page)).toBeLessThanOrEqual(NARROW.width)
    await screenshot(page, 'market-meme-after-narrow')
    await page.setViewportSize(DESKTOP)
    expect(problems).toEqual([])

    // A: the meme is no longer among the memes A owns; A still made it, and the trade is A's sale.
    await seller.page.goto('/market/mine')
    await seller.page.getByText('You own no memes').waitFor()
    expect(await seller.page.getByTestId('my-meme').count()).toBe(0)
    await seller.page.getByTestId('created-meme').filter({ hasText: TITLE }).waitFor()
    const sale = seller.page.getByTestId('trade-row')
    await sale.filter({ hasText: 'Sold' }).waitFor()
    expect(await sale.getByTestId('trade-price').textContent()).toBe('2,000 sats')
    await screenshot(seller.page, 'market-mine-after')
    await seller.page.setViewportSize(NARROW)
    expect(await documentWidth(seller.page)).toBeLessThanOrEqual(NARROW.width)
    await screenshot(seller.page, 'market-mine-after-narrow')
    await seller.page.setViewportSize(DESKTOP)
    expect(seller.problems).toEqual([])
  })

  test('offers: A bids, withdraws, bids again with the amount held; B accepts and the meme goes back to A', async () => {
    const { page } = seller
    const before = await available(page)
    const buyerBefore = await available(buyer.page)
    await page.goto(`/memes/${memeId}`)
    await page.getByTestId('meme-owner').waitFor()
    expect(await page.getByRole('button', { name: /^Buy/ }).count()).toBe(0)

    // A first offer, withdrawn: its amount is held, then free again.
    await page.getByRole('button', { name: 'Make an offer' }).click()
    let dialog = page.getByRole('dialog', { name: 'Make an offer' })
    await dialog.getByLabel('Your offer, in sats').fill('1000')
    await dialog.getByRole('button', { name: 'Review' }).click()
    await dialog.getByRole('button', { name: 'Offer 1,000 sats' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.getByTestId('market-notice').filter({ hasText: 'Your offer of 1,000 sats' }).waitFor()
    expect(await available(page)).toBe(before - 1_000)
    const offers = page.getByTestId('offer-row')
    await offers.filter({ hasText: '(you)' }).waitFor()
    await offers.getByRole('button', { name: /^Withdraw/ }).click()
    await page.getByTestId('market-notice').filter({ hasText: 'is withdrawn' }).waitFor()
    await page.getByText('No open offers').waitFor()
    expect(await available(page)).toBe(before)

    // A second offer, which B accepts from My memes.
    await page.getByRole('button', { name: 'Make an offer' }).click()
    dialog = page.getByRole('dialog', { name: 'Make an offer' })
    await dialog.getByLabel('Your offer, in sats').fill('1500')
    await dialog.getByRole('button', { name: 'Review' }).click()
    const figures = breakdown(dialog)
    await figures.price.filter({ hasText: '1,500 sats' }).waitFor()
    expect(await figures.fee.textContent()).toBe('30 sats')
    expect(await figures.proceeds.textContent()).toBe('1,470 sats')
    await screenshot(page, 'market-offer-confirm', VIEWPORT_ONLY)
    await dialog.getByRole('button', { name: 'Offer 1,500 sats' }).click()
    await dialog.waitFor({ state: 'detached' })
    await offers.filter({ hasText: '1,500 sats' }).waitFor()
    expect(await available(page)).toBe(before - 1_500)

    await buyer.page.goto('/market/mine')
    const mine = buyer.page.getByTestId('my-meme').filter({ hasText: TITLE })
    await mine.getByRole('button', { name: 'Accept the offer of 1,500 sats' }).click()
    const accept = buyer.page.getByRole('dialog', { name: 'Accept this offer?' })
    const acceptFigures = breakdown(accept)
    expect(await acceptFigures.price.textContent()).toBe('1,500 sats')
    expect(await acceptFigures.fee.textContent()).toBe('30 sats')
    expect(await acceptFigures.proceeds.textContent()).toBe('1,470 sats')
    await accept.getByText('You receive').waitFor()
    await screenshot(buyer.page, 'market-accept-confirm', VIEWPORT_ONLY)
    await accept.getByRole('button', { name: 'Accept 1,500 sats' }).click()
    await accept.waitFor({ state: 'detached' })
    await buyer.page
      .getByTestId('market-notice')
      .filter({ hasText: `You sold “${TITLE}” for 1,500 sats` })
      .waitFor()
    await buyer.page.getByText('You own no memes').waitFor()
    await buyer.page.getByTestId('trade-row').nth(1).waitFor()
    await screenshot(buyer.page, 'market-mine-accepted')
    expect((await available(buyer.page)) - buyerBefore).toBe(1_470)

    // Back on A's page (polled, or reloaded here): A owns it again, with both trades in its history.
    await page.reload()
    await page.getByTestId('meme-owner').filter({ hasText: '(you)' }).waitFor()
    await page.getByTestId('trade-row').nth(1).waitFor()
    expect(await page.getByTestId('trade-row').count()).toBe(2)
    expect(await page.getByTestId('owner-period').count()).toBe(3)
    expect(await available(page)).toBe(before - 1_500)
    await screenshot(page, 'market-meme-offer-accepted')
    expect(seller.problems).toEqual([])
    expect(buyer.problems).toEqual([])
    await seller.context.close()
    await buyer.context.close()
  })
})

/** Funds a signed-in person from the faucet on their wallet page; the next block credits it. */
async function fundFromFaucet(person: Person, sats: number): Promise<void> {
  const { page } = person
  await page.goto('/wallet')
  await page.getByLabel('Amount in sats').fill(String(sats))
  await page.getByRole('button', { name: 'Get test coins' }).click()
  await page
    .getByRole('status')
    .filter({ hasText: `Sent ${sats.toLocaleString('en-US')} sats` })
    .waitFor()
}

/** Buys the listed meme from the market page, checking the confirmation's three figures. */
async function buyFromMarket(person: Person, figures: { price: string; fee: string; proceeds: string }) {
  const { page } = person
  await page.goto('/market')
  const card = page.locator(`[data-testid="listing-card"][data-meme-id="${demoMemeId}"]`)
  await card.getByTestId('listing-price').filter({ hasText: figures.price }).waitFor()
  await card.getByRole('button', { name: /^Buy/ }).click()
  const dialog = page.getByRole('dialog', { name: 'Confirm purchase' })
  const shown = breakdown(dialog)
  expect(await shown.price.textContent()).toBe(figures.price)
  expect(await shown.fee.textContent()).toBe(figures.fee)
  expect(await shown.proceeds.textContent()).toBe(figures.proceeds)
  await dialog.getByText('Platform fee (2%)').waitFor()
  await dialog.getByText('The seller receives').waitFor()
  await dialog.getByRole('button', { name: `Buy for ${figures.price}` }).click()
  await dialog.waitFor({ state: 'detached' })
  await page.getByTestId('market-notice').filter({ hasText: 'You own' }).waitFor()
}

const DEMO_READY_MS = 180_000
const DEMO_RATE = 50
const DEMO_FAUCET_SATS = 5_000
/** Faster than the fallback poll (a minute): a page that updates within this was told. */
const PUSHED_MS = 15_000

let a: Person
let b: Person
let viewer: Person
let demoMemeId = ''
let demoTitle = ''

describe('newcomers trading a demo meme on a fresh start, and the new owner earning', () => {
  beforeAll(async () => {
    server = await startServer({
      env: {
        DEVNET_BLOCK_INTERVAL_S: '0',
        DEPOSIT_CONFIRMATIONS: '1',
        DEMO: 'on',
        DEMO_MEMES: '1',
        DEMO_PER_ROUND: '1',
        VIEW_RATE_SATS_PER_S: String(DEMO_RATE),
      },
    })
  })
  afterAll(async () => {
    for (const person of [a, b, viewer]) await person?.context.close()
    await server?.stop()
  })

  test(
    'the demo lists its meme once a block puts it in a round; A, B and a viewer are funded',
    async () => {
      // A signs in first and so is the admin, who may mine on the devnet.
      a = await signIn()
      b = await signIn()
      viewer = await signIn()
      for (const person of [a, b, viewer]) await fundFromFaucet(person, DEMO_FAUCET_SATS)
      await until('the demo meme in the round queue', DEMO_READY_MS, async () => {
        const response = await fetch(`${server.baseUrl}/api/v1/memes/queue`)
        const body = (await response.json()) as { memes?: unknown[] }
        return (body.memes?.length ?? 0) >= 1 ? true : undefined
      })
      await api(a.page, '/api/v1/devnet/mine', 'POST', { count: 1 })
      const listing = await until('the demo listing', 30_000, async () => {
        const found = await api<ListingsResponse>(a.page, '/api/v1/market/listings')
        return found.listings[0]
      })
      demoMemeId = listing.meme.memeId
      demoTitle = listing.meme.title
      expect(listing.listing.priceSats).toBe(1_000)
      expect(listing.meme.tradable).toBe(true)
      expect(listing.listing.seller.id).toMatch(/^demo-creator-/)
      for (const person of [a, b, viewer]) {
        await until('the deposit credited', 30_000, async () =>
          (await available(person.page)) === DEMO_FAUCET_SATS ? true : undefined,
        )
      }
      for (const person of [a, b, viewer]) expect(person.problems).toEqual([])
    },
    DEMO_READY_MS + 90_000,
  )

  test('A buys it for 1,000 sats: fee 20, the demo creator receives 980; A pays exactly 1,000', async () => {
    await buyFromMarket(a, { price: '1,000 sats', fee: '20 sats', proceeds: '980 sats' })
    expect(DEMO_FAUCET_SATS - (await available(a.page))).toBe(1_000)
    await screenshot(a.page, 'market-demo-bought')
    expect(a.problems).toEqual([])
  })

  test("A lists it for 2,000 from its page (Market is the current nav item there); B's open market shows it unreloaded", async () => {
    // B's market is open before A lists: empty.
    await b.page.goto('/market')
    await b.page.getByText('No listings yet').waitFor()

    const { page } = a
    await page.goto(`/memes/${demoMemeId}`)
    await page.getByTestId('meme-owner').filter({ hasText: '(you)' }).waitFor()
    const nav = page.getByRole('navigation', { name: 'Main' })
    expect(await nav.getByRole('link', { name: 'Market' }).getAttribute('aria-current')).toBe('page')
    expect(await nav.getByRole('link', { name: 'Wallet' }).getAttribute('aria-current')).toBeNull()
    await page.getByRole('button', { name: 'List for sale' }).click()
    const dialog = page.getByRole('dialog', { name: 'List for sale' })
    await dialog.getByLabel('Price, in sats').fill('2000')
    await dialog.getByRole('button', { name: 'Review' }).click()
    const figures = breakdown(dialog)
    await figures.price.filter({ hasText: '2,000 sats' }).waitFor()
    expect(await figures.fee.textContent()).toBe('40 sats')
    expect(await figures.proceeds.textContent()).toBe('1,960 sats')
    await dialog.getByRole('button', { name: 'List for 2,000 sats' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.getByTestId('market-notice').filter({ hasText: 'is listed for 2,000 sats' }).waitFor()

    await b.page
      .locator(`[data-testid="listing-card"][data-meme-id="${demoMemeId}"]`)
      .getByTestId('listing-price')
      .filter({ hasText: '2,000 sats' })
      .waitFor({ timeout: PUSHED_MS })
    expect(a.problems).toEqual([])
    expect(b.problems).toEqual([])
  })

  test("B buys it from A: fee 40, A receives 1,960; balances move exactly; A's open My memes follows unreloaded", async () => {
    await a.page.goto('/market/mine')
    const owned = a.page.getByRole('list', { name: 'Memes you own' }).getByTestId('my-meme')
    await owned
      .filter({ hasText: demoTitle })
      .getByTestId('my-meme-status')
      .filter({ hasText: 'Listed for 2,000 sats' })
      .waitFor()
    const aBefore = await available(a.page)
    const bBefore = await available(b.page)

    await buyFromMarket(b, { price: '2,000 sats', fee: '40 sats', proceeds: '1,960 sats' })
    expect(bBefore - (await available(b.page))).toBe(2_000)
    expect((await available(a.page)) - aBefore).toBe(1_960)
    await a.page.getByText('You own no memes').waitFor({ timeout: PUSHED_MS })
    const detail = await api<MemeDetail>(b.page, `/api/v1/memes/${demoMemeId}`)
    expect(detail.meme.owner.id).toBe(b.userId)
    expect(detail.owners.map((o) => o.owner.id).slice(1)).toEqual([a.userId, b.userId])
    expect(detail.priceHistory.map((p) => p.priceSats)).toEqual([1_000, 2_000])
    await screenshot(a.page, 'market-demo-resold')
    expect(a.problems).toEqual([])
    expect(b.problems).toEqual([])
  })

  test('a viewer watches it and B, the new owner, earns exactly the owner share of the charge', async () => {
    const bBefore = await available(b.page)
    const { page, problems } = viewer
    await page.goto(`/watch/${demoMemeId}`)
    await page.locator('[data-testid="watch-state"][data-state="watching"]').waitFor({ timeout: 20_000 })
    const seconds = async () => Number((await page.getByTestId('watch-seconds').textContent()) ?? 'NaN')
    await until('a few seconds watched', 30_000, async () => ((await seconds()) >= 5 ? true : undefined))
    await page.getByTestId('watch-stop').click()
    await page.locator('[data-testid="watch-state"][data-state="ended"]').waitFor({ timeout: 10_000 })
    const charged = Number(await page.getByTestId('watch-charged').textContent())
    expect(charged).toBe((await seconds()) * DEMO_RATE)
    expect(DEMO_FAUCET_SATS - (await available(page))).toBe(charged)

    // The split of a fresh stream (this round, this meme, its new owner) is splitTotal's.
    const round = (await api<CurrentRoundResponse>(page, '/api/v1/rounds/current')).round
    expect(round).not.toBeNull()
    const { feeBps, directPct, creatorPct } = round!.params
    const share = splitTotal(charged, { feeBps, directPct, creatorPct })
    expect(share.owner).toBeGreaterThan(0)
    await until("B's owner share", 15_000, async () =>
      (await available(b.page)) !== bBefore ? true : undefined,
    )
    expect((await available(b.page)) - bBefore).toBe(share.owner)
    const earnings = await api<EarningsResponse>(b.page, '/api/v1/me/earnings')
    expect(earnings.totals.ownerSats).toBe(share.owner)
    expect(earnings.totals.creatorSats).toBe(0)
    expect(earnings.memes.find((m) => m.memeId === demoMemeId)).toMatchObject({
      isOwner: true,
      isCreator: false,
      ownerSats: share.owner,
    })
    // A, the owner before, earns nothing from this view.
    expect((await api<EarningsResponse>(a.page, '/api/v1/me/earnings')).totals.ownerSats).toBe(0)
    expect(problems).toEqual([])
    expect(b.problems).toEqual([])
  })
})
