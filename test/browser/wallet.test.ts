/**
 * Proves the Wallet page in Chromium against the real server (src/main.ts) on its devnet, with
 * blocks every 2 s and a real key signing in through a simulated Yours Wallet:
 *   - signed out, the page asks to connect a wallet;
 *   - signed in, the deposit address shown is the one GET /api/v1/wallet returns to the page, with
 *     the confirmations it needs (4 here, so the pending state lasts longer than a poll);
 *   - Copy puts that address on the clipboard and says "Copied"; without a clipboard it says how
 *     to copy by hand;
 *   - the faucet refuses an amount out of bounds before sending, then pays 12,345 sats, shows the
 *     txid, and the deposit appears as pending and turns credited (available 12,345 sats) as the
 *     page polls, with no reload;
 *   - at 320 px the page has no horizontal overflow.
 * Screenshots: test-results/browser/wallet-*.png.
 */

import { PrivateKey } from '@bsv/sdk'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { WalletResponse } from '../../contracts/wallet.ts'
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
const FAUCET_SATS = 12_345
/**
 * Four confirmations at a block every 2 s keep a deposit pending for about 6 s, longer than the
 * page's 5 s poll, so the pending state is seen before the credit; one confirmation would credit
 * it in the same scan that first finds it.
 */
const CONFIRMATIONS = 4
/** Four blocks plus a few polls, with room for a slow machine. */
const CREDITED_SHOWN_MS = 40_000

let server: RunningServer
let browser: Browser

async function openSignedIn(viewport: { width: number; height: number }, options: { clipboard: boolean }) {
  const context = await browser.newContext({ viewport, baseURL: server.baseUrl })
  if (options.clipboard) await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  else await context.addInitScript(() => Object.defineProperty(navigator, 'clipboard', { value: undefined }))
  const key = PrivateKey.fromRandom()
  await injectYours(context, key)
  const page = await context.newPage()
  const problems = watchForProblems(page)
  await page.goto('/wallet')
  await page.getByRole('main').getByRole('button', { name: 'Connect a wallet' }).click()
  const dialog = page.getByRole('dialog', { name: 'Connect a wallet' })
  const option = dialog.getByRole('listitem').filter({ hasText: 'Yours Wallet' }).first()
  await option.getByRole('button', { name: 'Connect Yours Wallet' }).click()
  await dialog.waitFor({ state: 'detached' })
  await page.locator('#deposit-address').waitFor()
  return { context, page, problems, key }
}

/** The wallet as the server gives it to this page's session. */
function walletSeenByPage(page: Page): Promise<WalletResponse> {
  return page.evaluate(async () => {
    const response = await fetch('/api/v1/wallet')
    return (await response.json()) as WalletResponse
  })
}

function deposits(page: Page) {
  return page.getByRole('list', { name: 'Deposits' }).getByRole('listitem')
}

beforeAll(async () => {
  ensureWebBuild()
  server = await startServer({
    env: { DEVNET_BLOCK_INTERVAL_S: '2', DEPOSIT_CONFIRMATIONS: String(CONFIRMATIONS) },
  })
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

describe('the wallet page', () => {
  test('signed out, it asks to connect a wallet', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, baseURL: server.baseUrl })
    const page = await context.newPage()
    const problems = watchForProblems(page)
    await page.goto('/wallet')
    await page.getByText('No wallet connected').waitFor()
    await page.getByRole('main').getByRole('button', { name: 'Connect a wallet' }).waitFor()
    expect(problems).toEqual([])
    await context.close()
  })

  test('address, copy, faucet: a deposit appears pending and is credited without a reload', async () => {
    const { context, page, problems } = await openSignedIn(DESKTOP, { clipboard: true })
    const wallet = await walletSeenByPage(page)
    expect(await page.locator('#deposit-address').textContent()).toBe(wallet.depositAddress)
    await page.getByText(`credited to your balance after ${CONFIRMATIONS} confirmations`).waitFor()
    await page.getByText('No deposits yet').waitFor()
    await expect(page.getByTestId('balance-available').textContent()).resolves.toBe('0 sats')
    await screenshot(page, 'wallet-empty-desktop')

    await page.getByRole('button', { name: 'Copy address' }).click()
    await page.getByText('Copied', { exact: true }).waitFor()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(wallet.depositAddress)

    // Out of bounds is refused before anything is sent.
    const amount = page.getByLabel('Amount in sats')
    expect(await amount.inputValue()).toBe('100000')
    await amount.fill('0')
    await page.getByRole('button', { name: 'Get test coins' }).click()
    await page.getByText('Enter between 1 and 1,000,000,000 sats.').waitFor()

    await amount.fill(String(FAUCET_SATS))
    await page.getByRole('button', { name: 'Get test coins' }).click()
    const sent = page.getByRole('status').filter({ hasText: 'Sent 12,345 sats' })
    await sent.waitFor()
    const txid = (await sent.locator('.mono').textContent()) ?? ''
    expect(txid).toMatch(/^[0-9a-f]{64}$/)
    expect(await sent.textContent()).toContain(
      'credited after 4 confirmations, the first with the next block',
    )

    // The payment is found at the next block and shows as pending, then credited, as the page polls.
    const row = deposits(page).filter({ has: page.locator(`[title="${txid}"]`) })
    await row
      .filter({ hasText: /^12,345 satspending \([0-3] of 4 confirmations\)/ })
      .waitFor({ timeout: CREDITED_SHOWN_MS })
    await screenshot(page, 'wallet-pending-desktop')
    await row.getByText('credited', { exact: true }).waitFor({ timeout: CREDITED_SHOWN_MS })
    await page
      .getByTestId('balance-available')
      .filter({ hasText: '12,345 sats' })
      .waitFor({ timeout: CREDITED_SHOWN_MS })
    expect((await walletSeenByPage(page)).balance.availableSats).toBe(FAUCET_SATS)
    await screenshot(page, 'wallet-credited-desktop')
    expect(problems).toEqual([])
    await context.close()
  })

  test('at 320 px it fits without sideways scrolling; without a clipboard, Copy says how to copy', async () => {
    const { context, page, problems } = await openSignedIn(NARROW, { clipboard: false })
    await page.getByRole('button', { name: 'Copy address' }).click()
    await page.getByText('Copying is not available here. Select the address and copy it yourself.').waitFor()
    await page.getByLabel('Amount in sats').fill('5000')
    await page.getByRole('button', { name: 'Get test coins' }).click()
    await page.getByRole('status').filter({ hasText: 'Sent 5,000 sats' }).waitFor()
    await deposits(page).first().waitFor({ timeout: CREDITED_SHOWN_MS })
    expect(await documentWidth(page)).toBeLessThanOrEqual(NARROW.width)
    await screenshot(page, 'wallet-narrow')
    expect(problems).toEqual([])
    await context.close()
  })
})
