/**
 * Proves withdrawing, the history and the proof page in Chromium against the real server
 * (src/main.ts) on its devnet. Blocks are mined only when the test asks (as an admin), so every
 * state is seen for as long as the test needs it:
 *   - a user funded by the faucet types an amount and a fresh address, sees the live fee preview
 *     ("Network fee N sats · the address receives M sats"), confirms in a dialog that repeats
 *     address, amount, fee and what arrives, and the withdrawal is listed as requested with the
 *     balance lowered at once. The first answer is cut off on its way back: "Try again" sends the
 *     same well-formed idempotency key and the server answers with the one withdrawal it made;
 *   - blocks are mined until the payout confirms (the deposit is swept into the hot wallet in one
 *     block and paid in a later one) and the list turns confirmed with the payout txid, polling;
 *   - the history lists the deposit and the withdrawal, filters them, and links each to its
 *     proof; a proof opened before the next block says it is not anchored yet and turns
 *     "Verified" by itself once a block anchors it; the linked proof verifies in the browser;
 *   - an amount below the minimum is refused before anything is sent, and an address with a bad
 *     checksum is refused by the server's quote, worded by its code; nothing is listed;
 *   - with more movements than one page holds, "Show older" adds the rest and then goes away;
 *   - at 320 px the wallet and proof pages have no horizontal overflow.
 * Screenshots: test-results/browser/withdraw-*.png.
 */

import { BSM, PrivateKey, Utils } from '@bsv/sdk'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChallengeResponse, SessionResponse } from '../../contracts/auth.ts'
import type { TransferProof } from '../../contracts/proofs.ts'
import type { WithdrawalsResponse } from '../../contracts/withdrawals.ts'
import {
  documentWidth,
  ensureWebBuild,
  injectYours,
  launchBrowser,
  type RunningServer,
  recordRequests,
  screenshot,
  startServer,
  watchForProblems,
} from './support.ts'

const DESKTOP = { width: 1280, height: 900 }
const NARROW = { width: 320, height: 640 }
const FAUCET_SATS = 50_000
const WITHDRAW_SATS = 20_000
/** web/src/features/wallet/walletApi.ts HISTORY_PAGE_SIZE: one more deposit than this needs a second page. */
const HISTORY_PAGE_SIZE = 25
/** The server's default WITHDRAW_MIN_SATS. */
const MINIMUM_SATS = 1_000
/** Named an admin in the server's configuration, so the test may mine devnet blocks. */
const ADMIN_KEY = PrivateKey.fromRandom()
/** The wallet and the withdrawals poll every 5 s; two polls and a slow machine fit in 20 s. */
const POLLED_CHANGE_MS = 20_000
/** Sweep, its confirmation, payout, its confirmation: four blocks do it; the rest is margin. */
const MAX_BLOCKS_TO_CONFIRM = 10
/** After a block, the server's block handlers (deposits, payouts, anchoring) settle within this. */
const AFTER_BLOCK_SETTLE_MS = 4_000
const SERVER_POLL_MS = 250
const WITHDRAW_TEST_TIMEOUT_MS = 240_000
/** Dialogs are what these screenshots are for; the page below adds nothing. */
const VIEWPORT_ONLY = { fullPage: false }
/**
 * Answers this file provokes on purpose, which Chromium logs as console errors: the proof page
 * asking before the next block (409 NOT_ANCHORED_YET), and the quote refusing a bad address (400).
 */
const NOT_ANCHORED_LOGGED =
  'console error: Failed to load resource: the server responded with a status of 409 (Conflict)'
const QUOTE_REFUSED_LOGGED =
  'console error: Failed to load resource: the server responded with a status of 400 (Bad Request)'

let server: RunningServer
let browser: Browser
let adminToken: string

async function openSignedIn(viewport: { width: number; height: number }) {
  const context = await browser.newContext({ viewport, baseURL: server.baseUrl })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  await injectYours(context, PrivateKey.fromRandom())
  const page = await context.newPage()
  const problems = watchForProblems(page)
  await page.goto('/wallet')
  await page.getByRole('main').getByRole('button', { name: 'Connect a wallet' }).click()
  const dialog = page.getByRole('dialog', { name: 'Connect a wallet' })
  const option = dialog.getByRole('listitem').filter({ hasText: 'Yours Wallet' }).first()
  await option.getByRole('button', { name: 'Connect Yours Wallet' }).click()
  await dialog.waitFor({ state: 'detached' })
  await page.locator('#deposit-address').waitFor()
  return { context, page, problems }
}

/** Signs in as ADMIN_KEY through the API, for a Bearer token: mining is an admin's control. */
async function signInAdmin(): Promise<string> {
  const challenge = (await (
    await fetch(`${server.baseUrl}/api/v1/auth/challenge`, { method: 'POST' })
  ).json()) as ChallengeResponse
  const response = await fetch(`${server.baseUrl}/api/v1/auth/login?bearer=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      method: 'bsm',
      challengeId: challenge.challengeId,
      signature: BSM.sign(Utils.toArray(challenge.message, 'utf8'), ADMIN_KEY, 'base64'),
      address: ADMIN_KEY.toAddress(),
      publicKey: ADMIN_KEY.toPublicKey().toString(),
    }),
  })
  const session = (await response.json()) as SessionResponse
  if (!session.token) throw new Error(`admin sign-in failed: ${response.status}`)
  return session.token
}

async function mineBlock(): Promise<void> {
  const response = await fetch(`${server.baseUrl}/api/v1/devnet/mine`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ count: 1 }),
  })
  expect(response.status).toBe(200)
}

/** The withdrawals as the server gives them to this page's session. */
function withdrawalsSeenByPage(page: Page): Promise<WithdrawalsResponse> {
  return page.evaluate(async () => {
    const response = await fetch('/api/v1/wallet/withdrawals')
    return (await response.json()) as WithdrawalsResponse
  })
}

/** Mines one block at a time, letting the server act on each, until the first withdrawal is confirmed. */
async function mineUntilConfirmed(page: Page): Promise<number> {
  for (let blocks = 1; blocks <= MAX_BLOCKS_TO_CONFIRM; blocks++) {
    await mineBlock()
    const settleBy = Date.now() + AFTER_BLOCK_SETTLE_MS
    while (Date.now() < settleBy) {
      const { withdrawals } = await withdrawalsSeenByPage(page)
      if (withdrawals[0]?.state === 'confirmed') return blocks
      await page.waitForTimeout(SERVER_POLL_MS)
    }
  }
  throw new Error(`the withdrawal was not confirmed after ${MAX_BLOCKS_TO_CONFIRM} blocks`)
}

/**
 * Mines until the transfer's anchor transaction is in a block, so the proof page can show it
 * confirmed. Asked through the context's own request client: a 409 there is not a page error.
 */
async function mineUntilAnchorConfirmed(page: Page, transferId: string): Promise<void> {
  for (let blocks = 0; blocks <= MAX_BLOCKS_TO_CONFIRM; blocks++) {
    if (blocks > 0) await mineBlock()
    const settleBy = Date.now() + AFTER_BLOCK_SETTLE_MS
    while (Date.now() < settleBy) {
      const response = await page.request.get(`/api/v1/proofs/transfers/${encodeURIComponent(transferId)}`)
      if (response.ok() && ((await response.json()) as TransferProof).anchor.state === 'confirmed') return
      await page.waitForTimeout(SERVER_POLL_MS)
    }
  }
  throw new Error(`the anchor of ${transferId} was not confirmed after ${MAX_BLOCKS_TO_CONFIRM} blocks`)
}

/** How the page's problem watcher records the withdrawal answer the first test cuts off on purpose. */
function lostAnswerLogged(): string[] {
  return [
    `request failed: ${server.baseUrl}/api/v1/wallet/withdrawals (net::ERR_FAILED)`,
    'console error: Failed to load resource: net::ERR_FAILED',
  ]
}

/** Pays the faucet to the page's own address and mines the block that credits it. */
async function fund(page: Page, satoshis: number): Promise<void> {
  await page.getByLabel('Amount in sats').fill(String(satoshis))
  await page.getByRole('button', { name: 'Get test coins' }).click()
  await page
    .getByRole('status')
    .filter({ hasText: `Sent ${satoshis.toLocaleString('en-GB')} sats` })
    .waitFor()
  await mineBlock()
  await page
    .getByTestId('balance-available')
    .filter({ hasText: `${satoshis.toLocaleString('en-GB')} sats` })
    .waitFor({ timeout: POLLED_CHANGE_MS })
}

function withdrawForm(page: Page) {
  return page.getByRole('form', { name: 'Withdraw' })
}

function withdrawalRows(page: Page) {
  return page.getByRole('list', { name: 'Withdrawals' }).getByRole('listitem')
}

function historyRows(page: Page) {
  return page.getByRole('table').getByRole('row')
}

beforeAll(async () => {
  ensureWebBuild()
  server = await startServer({ env: { DEVNET_BLOCK_INTERVAL_S: '0', ADMINS: ADMIN_KEY.toAddress() } })
  adminToken = await signInAdmin()
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

describe('withdrawing', () => {
  test(
    'quoted, confirmed in a dialog, paid on chain, listed in the history and proven in the browser',
    async () => {
      const { context, page, problems } = await openSignedIn(DESKTOP)
      const sent = recordRequests(page)
      await fund(page, FAUCET_SATS)
      await page.getByText('No withdrawals yet').waitFor()

      // The live preview quotes what the address receives for what is typed.
      const destination = PrivateKey.fromRandom().toPublicKey().toAddress()
      const form = withdrawForm(page)
      await form.getByLabel('Amount to withdraw, in sats').fill(String(WITHDRAW_SATS))
      await form.getByLabel('Destination address').fill(destination)
      const preview = form.locator('output.withdraw-preview').filter({ hasText: /^Network fee/ })
      await preview.waitFor()
      const [, feeText, receiveText] =
        /^Network fee ([\d,]+) sats · the address receives ([\d,]+) sats$/.exec(
          (await preview.textContent()) ?? '',
        ) ?? []
      const feeSats = Number(feeText?.replaceAll(',', ''))
      const receiveSats = Number(receiveText?.replaceAll(',', ''))
      expect(feeSats).toBe((await withdrawalsSeenByPage(page)).feeSats)
      expect(receiveSats).toBe(WITHDRAW_SATS - feeSats)
      await screenshot(page, 'withdraw-preview')

      // The dialog repeats everything before anything is sent.
      await form.getByRole('button', { name: 'Review withdrawal' }).click()
      const dialog = page.getByRole('dialog', { name: 'Confirm withdrawal' })
      await dialog.waitFor()
      const summary = (await dialog.textContent()) ?? ''
      expect(summary).toContain(destination)
      expect(summary).toContain('Leaves your balance20,000 sats')
      expect(summary).toContain(`Network fee${feeSats.toLocaleString('en-GB')} sats`)
      expect(summary).toContain(`The address receives${receiveSats.toLocaleString('en-GB')} sats`)
      expect(
        sent.filter((request) => request.startsWith('POST') && request.includes('/withdrawals')),
      ).toEqual([])
      await screenshot(page, 'withdraw-confirm', VIEWPORT_ONLY)

      // The first answer is lost on its way back, after the server made the withdrawal. Pressing
      // again sends the same idempotency key, and the server answers with that same withdrawal.
      await page.route(
        '**/api/v1/wallet/withdrawals',
        async (route) => {
          await route.fetch()
          await route.abort('failed')
        },
        { times: 1 },
      )
      await dialog.getByRole('button', { name: 'Withdraw 20,000 sats' }).click()
      await dialog.getByText('The server could not be reached.').waitFor()
      await dialog.getByRole('button', { name: 'Try again' }).click()
      await dialog.waitFor({ state: 'detached' })
      await page.getByRole('status').filter({ hasText: 'Withdrawal of 20,000 sats requested' }).waitFor()
      expect(await form.getByLabel('Amount to withdraw, in sats').inputValue()).toBe('')
      const row = withdrawalRows(page).filter({ hasText: destination })
      await row.filter({ hasText: /^requested20,000 sats/ }).waitFor()
      await row.getByText('not sent yet').waitFor()
      await page.getByTestId('balance-available').filter({ hasText: '30,000 sats' }).waitFor()
      const posts = sent.filter((request) => request.startsWith('POST') && request.includes('/withdrawals'))
      expect(posts).toHaveLength(2)
      expect(posts[1]).toBe(posts[0])
      expect((await withdrawalsSeenByPage(page)).withdrawals).toHaveLength(1)
      expect(JSON.parse(posts[0]!.split('\n')[1]!)).toMatchObject({
        amountSats: WITHDRAW_SATS,
        address: destination,
        idempotencyKey: expect.stringMatching(/^[A-Za-z0-9_-]{8,64}$/),
      })
      await screenshot(page, 'withdraw-requested')

      // The history has the withdrawal at once; its proof waits for the next block.
      const history = page.getByRole('region', { name: 'History' })
      await historyRows(page)
        .filter({ hasText: 'Withdrawal' })
        .filter({ has: page.getByRole('cell', { name: 'Out', exact: true }) })
        .waitFor()
      await history.getByRole('button', { name: 'Withdrawals' }).click()
      expect(await history.getByRole('button', { name: 'Withdrawals' }).getAttribute('aria-pressed')).toBe(
        'true',
      )
      const withdrawalRow = historyRows(page).filter({ hasText: 'Withdrawal' })
      await withdrawalRow.filter({ hasText: '20,000 sats' }).waitFor()
      const proofLink = withdrawalRow.getByRole('link', { name: 'Proof of this withdrawal' })
      const proofHref = (await proofLink.getAttribute('href')) ?? ''
      const { id } = (await withdrawalsSeenByPage(page)).withdrawals[0]!
      expect(proofHref).toBe(`/proofs/transfers/${encodeURIComponent(`withdrawal:${id}`)}`)

      const proofTab = await context.newPage()
      const proofTabProblems = watchForProblems(proofTab)
      await proofTab.goto(proofHref)
      await proofTab.getByText('Not on chain yet').waitFor()
      await proofTab.getByText('anchored after the next block').waitFor()
      await screenshot(proofTab, 'withdraw-proof-pending')

      // Sweep, payout and their confirmations; the page follows by polling.
      const blocks = await mineUntilConfirmed(page)
      expect(blocks).toBeGreaterThanOrEqual(2)
      await mineUntilAnchorConfirmed(page, `withdrawal:${id}`)
      await row.filter({ hasText: /^confirmed20,000 sats/ }).waitFor({ timeout: POLLED_CHANGE_MS })
      const [confirmed] = (await withdrawalsSeenByPage(page)).withdrawals
      expect(confirmed?.txid).toMatch(/^[0-9a-f]{64}$/)
      await row.locator(`[title="${confirmed?.txid}"]`).waitFor()
      await row.getByRole('button', { name: 'Copy transaction id' }).click()
      await row.getByText('Copied', { exact: true }).waitFor()
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(confirmed?.txid)
      await screenshot(page, 'withdraw-confirmed')

      // The proof opened before the block has turned verified by itself.
      await proofTab.getByText('Verified: the path leads to the anchored root.').waitFor({
        timeout: POLLED_CHANGE_MS,
      })
      await proofTab.close()
      expect(proofTabProblems.filter((problem) => problem !== NOT_ANCHORED_LOGGED)).toEqual([])

      // Deposits filter, then the withdrawal's proof from its history row.
      await history.getByRole('button', { name: 'Deposits' }).click()
      await historyRows(page)
        .filter({ hasText: 'Deposit' })
        .filter({ has: page.getByRole('cell', { name: 'In', exact: true }) })
        .filter({ hasText: '50,000 sats' })
        .filter({ hasText: 'The BSV network' })
        .waitFor()
      expect(await historyRows(page).filter({ hasText: 'Withdrawal' }).count()).toBe(0)
      await history.getByRole('button', { name: 'All' }).click()
      await withdrawalRow.first().waitFor()
      await screenshot(page, 'withdraw-history')
      await withdrawalRow.getByRole('link', { name: 'Proof of this withdrawal' }).click()
      await page.getByRole('heading', { level: 1, name: 'Transfer proof' }).waitFor()
      await page.getByText('Verified: the path leads to the anchored root.').waitFor()
      await page.getByText(`withdrawal:${id}`, { exact: true }).waitFor()
      await page.getByText('confirmed in a block').waitFor({ timeout: POLLED_CHANGE_MS })
      expect(await page.locator('.proof-mark[data-ok="false"]').count()).toBe(0)
      await screenshot(page, 'withdraw-proof-verified')

      // Both pages fit a 320 px screen.
      await page.setViewportSize(NARROW)
      expect(await documentWidth(page)).toBeLessThanOrEqual(NARROW.width)
      await screenshot(page, 'withdraw-proof-narrow')
      await page.goto('/wallet')
      await withdrawalRows(page).first().waitFor()
      await page.getByRole('table').waitFor()
      expect(await documentWidth(page)).toBeLessThanOrEqual(NARROW.width)
      await screenshot(page, 'withdraw-narrow')
      // The full page is too tall to read at this width; these show the new parts at real size.
      await withdrawalRows(page).first().scrollIntoViewIfNeeded()
      await screenshot(page, 'withdraw-narrow-withdrawals', VIEWPORT_ONLY)
      await page.getByRole('table').scrollIntoViewIfNeeded()
      await screenshot(page, 'withdraw-narrow-history', VIEWPORT_ONLY)
      expect(problems.filter((problem) => !lostAnswerLogged().includes(problem))).toEqual([])
      await context.close()
    },
    WITHDRAW_TEST_TIMEOUT_MS,
  )

  test('an amount below the minimum and a mistyped address are refused; nothing is listed', async () => {
    const { context, page, problems } = await openSignedIn(DESKTOP)
    const sent = recordRequests(page)
    await fund(page, 5_000)
    const form = withdrawForm(page)
    const amount = form.getByLabel('Amount to withdraw, in sats')
    const address = form.getByLabel('Destination address')

    // Below the minimum: refused here, before the server is asked anything.
    await amount.fill(String(MINIMUM_SATS - 1))
    await address.fill(PrivateKey.fromRandom().toPublicKey().toAddress())
    await form.getByRole('button', { name: 'Review withdrawal' }).click()
    await form.getByText('The smallest withdrawal is 1,000 sats.').waitFor()
    expect(await amount.getAttribute('aria-invalid')).toBe('true')
    expect(sent.some((request) => request.includes('/withdrawals/quote'))).toBe(false)

    // A changed character breaks the checksum: the shape passes here, the server's quote refuses it.
    const good = PrivateKey.fromRandom().toPublicKey().toAddress()
    const mistyped = `${good.slice(0, -1)}${good.endsWith('z') ? 'y' : 'z'}`
    await amount.fill('2000')
    await address.fill(mistyped)
    const refusal = 'This is not a valid BSV address. Check it and try again.'
    await form.locator('output.withdraw-preview').filter({ hasText: refusal }).waitFor()
    await form.getByRole('button', { name: 'Review withdrawal' }).click()
    await form.locator('.field-error').filter({ hasText: refusal }).waitFor()
    expect(await address.getAttribute('aria-invalid')).toBe('true')
    await screenshot(page, 'withdraw-refused')

    expect(await page.getByRole('dialog').count()).toBe(0)
    await page.getByText('No withdrawals yet').waitFor()
    expect((await withdrawalsSeenByPage(page)).withdrawals).toEqual([])
    expect(sent.filter((request) => request.startsWith('POST') && request.includes('/withdrawals'))).toEqual(
      [],
    )
    await page.getByTestId('balance-available').filter({ hasText: '5,000 sats' }).waitFor()
    expect(problems.filter((problem) => problem !== QUOTE_REFUSED_LOGGED)).toEqual([])
    await context.close()
  })

  test('the history pages back with "Show older" until it has every movement', async () => {
    const { context, page, problems } = await openSignedIn(DESKTOP)
    const deposits = HISTORY_PAGE_SIZE + 1
    await page.evaluate(async (count) => {
      const wallet = (await (await fetch('/api/v1/wallet')).json()) as { depositAddress: string }
      for (let i = 1; i <= count; i++) {
        await fetch('/api/v1/devnet/faucet', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ address: wallet.depositAddress, satoshis: 1_000 + i }),
        })
      }
    }, deposits)
    await mineBlock()

    // A header row plus one page of movements, then the older page below it, each movement once.
    const history = page.getByRole('region', { name: 'History' })
    await expect
      .poll(() => historyRows(page).count(), { timeout: POLLED_CHANGE_MS })
      .toBe(HISTORY_PAGE_SIZE + 1)
    await history.getByRole('button', { name: 'Show older' }).click()
    await expect.poll(() => historyRows(page).count()).toBe(deposits + 1)
    await history.getByRole('button', { name: 'Show older' }).waitFor({ state: 'detached' })
    const amounts = await historyRows(page).locator('.history-amount').allTextContents()
    expect(new Set(amounts.slice(1)).size).toBe(deposits)
    expect(problems).toEqual([])
    await context.close()
  })
})
