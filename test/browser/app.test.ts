/**
 * Proves that the web app, built by Vite and served by the real server (src/main.ts), works in
 * Chromium: the footer shows the version and readiness that the API reports; the live round page
 * states the money rules the server is configured with; every navigation link opens its page and
 * marks itself current; deep links and unknown paths load inside the shell; the skip link works;
 * at 320 px nothing scrolls sideways and the menu opens, navigates and closes; the footer says so
 * when the server cannot be reached; and the browser logs no errors, CSP violations included.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { InfoResponse, ReadyResponse } from '../../contracts/system.ts'
import {
  documentWidth,
  ensureWebBuild,
  launchBrowser,
  type RunningServer,
  screenshot,
  startServer,
  watchForProblems,
} from './support.ts'

/** Each navigation link and the heading of the page it opens, in the order the test visits them. */
const PAGES = [
  { link: 'Rounds', path: '/rounds', heading: 'Round history', shot: 'rounds' },
  { link: 'Market', path: '/market', heading: 'Market', shot: 'market' },
  { link: 'Wallet', path: '/wallet', heading: 'Wallet', shot: 'wallet' },
  { link: 'Earnings', path: '/earnings', heading: 'Earnings', shot: 'earnings' },
  { link: 'Admin', path: '/admin', heading: 'Admin', shot: 'admin' },
  // Last, so that following it is a real navigation away from another page.
  { link: 'Live round', path: '/', heading: 'Live round', shot: 'live-round' },
] as const

const DESKTOP = { width: 1280, height: 800 }
const NARROW = { width: 320, height: 640 }

let server: RunningServer
let browser: Browser
let info: InfoResponse

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.baseUrl}${path}`)
  return { status: response.status, body: (await response.json()) as T }
}

async function openPage(viewport: { width: number; height: number }) {
  const context: BrowserContext = await browser.newContext({ viewport, baseURL: server.baseUrl })
  const page = await context.newPage()
  const problems = watchForProblems(page)
  return { context, page, problems }
}

function heading(page: Page, name: string) {
  return page.getByRole('heading', { level: 1, name, exact: true })
}

function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Main' })
}

describe('web app shell against the real server', () => {
  beforeAll(async () => {
    ensureWebBuild()
    server = await startServer()
    browser = await launchBrowser()
    info = (await getJson<InfoResponse>('/api/v1/info')).body
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  test('the footer shows the version, chain and readiness that the API reports', async () => {
    const ready = await getJson<ReadyResponse>('/ready')
    expect(ready.status).toBe(200)
    expect(ready.body.status).toBe('ready')

    const { context, page, problems } = await openPage(DESKTOP)
    await page.goto('/')
    const footer = page.getByRole('contentinfo')
    await footer.getByText(info.version, { exact: true }).waitFor()
    const readiness = footer.getByRole('status')
    await readiness.filter({ hasText: 'Ready' }).waitFor()
    expect(await readiness.getAttribute('data-state')).toBe('ready')
    expect(await footer.textContent()).toMatch(/devnet|testnet|mainnet/)

    // The rules on the live round page are the server's configuration, not numbers in the app.
    const rules = page.getByText(`${info.money.directSharePct}% direct share`, { exact: false })
    await rules.first().waitFor()
    await screenshot(page, 'desktop-live-round')
    expect(problems).toEqual([])
    await context.close()
  })

  test('every navigation link opens its page, marks itself current and moves focus to the heading', async () => {
    const { context, page, problems } = await openPage(DESKTOP)
    await page.goto('/')
    await heading(page, 'Live round').waitFor()

    for (const target of PAGES) {
      const link = mainNav(page).getByRole('link', { name: target.link, exact: true })
      await link.click()
      await heading(page, target.heading).waitFor()
      expect(new URL(page.url()).pathname).toBe(target.path)
      expect(await link.getAttribute('aria-current')).toBe('page')
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('page-title')
      expect(await page.title()).toBe(`${target.heading} · Memepool`)
      await screenshot(page, `desktop-${target.shot}`)
    }
    // Only the current page's link is marked.
    expect(await mainNav(page).locator('[aria-current="page"]').count()).toBe(1)
    expect(problems).toEqual([])
    await context.close()
  })

  test('deep links and unknown paths load inside the shell', async () => {
    const { context, page, problems } = await openPage(DESKTOP)
    await page.goto('/watch/first-meme')
    await heading(page, 'Watch').waitFor()
    // Signed out, the player asks for a wallet before anything is paid.
    await page.getByText('Sign in to watch:', { exact: true }).waitFor()
    await screenshot(page, 'desktop-watch')

    await page.goto('/no/such/page')
    await heading(page, 'Page not found').waitFor()
    await page.getByRole('contentinfo').getByText(info.version, { exact: true }).waitFor()
    await screenshot(page, 'desktop-not-found')
    expect(problems).toEqual([])
    await context.close()
  })

  test('the skip link is the first stop for the keyboard and moves focus to the content', async () => {
    const { context, page, problems } = await openPage(DESKTOP)
    await page.goto('/market')
    await heading(page, 'Market').waitFor()
    await page.keyboard.press('Tab')
    const focused = page.locator(':focus')
    expect(await focused.textContent()).toBe('Skip to content')
    await page.keyboard.press('Enter')
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main')
    expect(new URL(page.url()).pathname).toBe('/market')
    expect(problems).toEqual([])
    await context.close()
  })

  test('at 320 px nothing scrolls sideways and the menu opens, navigates and closes', async () => {
    const { context, page, problems } = await openPage(NARROW)
    await page.goto('/')
    await heading(page, 'Live round').waitFor()
    await page.getByRole('contentinfo').getByText(info.version, { exact: true }).waitFor()
    expect(await documentWidth(page)).toBeLessThanOrEqual(NARROW.width)

    const menu = mainNav(page).getByRole('button', { name: 'Menu' })
    for (const target of PAGES) {
      const link = mainNav(page).getByRole('link', { name: target.link, exact: true })
      expect(await menu.getAttribute('aria-expanded')).toBe('false')
      expect(await link.isVisible()).toBe(false)

      await menu.click()
      expect(await menu.getAttribute('aria-expanded')).toBe('true')
      if (target === PAGES[0]) await screenshot(page, 'narrow-menu-open')
      await link.click()

      await heading(page, target.heading).waitFor()
      expect(await menu.getAttribute('aria-expanded')).toBe('false')
      expect(await documentWidth(page)).toBeLessThanOrEqual(NARROW.width)
      await screenshot(page, `narrow-${target.shot}`)
    }

    // Escape closes the menu and hands focus back to the button.
    await menu.click()
    expect(await menu.getAttribute('aria-expanded')).toBe('true')
    await page.keyboard.press('Escape')
    expect(await menu.getAttribute('aria-expanded')).toBe('false')
    expect(await menu.evaluate((element) => element === document.activeElement)).toBe(true)
    expect(problems).toEqual([])
    await context.close()
  })

  test('when the API cannot be reached the footer and pages say so instead of showing stale figures', async () => {
    const { context, page } = await openPage(DESKTOP)
    // Only the network is faked; the app itself is still the one the real server serves.
    await page.route('**/ready', (route) => route.abort('connectionrefused'))
    await page.route('**/api/v1/info', (route) =>
      route.fulfill({
        status: 500,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'INTERNAL', message: 'Internal error.', requestId: 'req-1' } }),
      }),
    )
    await page.goto('/')
    const footer = page.getByRole('contentinfo')
    await footer.getByRole('status').filter({ hasText: 'Unreachable' }).waitFor()
    await footer.getByText('Server info unavailable').waitFor()
    // Worded by its code (web/src/components/errorMessages.ts), with the request id to quote.
    const alert = page.getByRole('alert').filter({ hasText: '(request req-1)' }).first()
    await alert.waitFor()
    expect(await alert.getAttribute('data-code')).toBe('INTERNAL')
    await screenshot(page, 'desktop-server-unreachable')
    await context.close()
  })
})
