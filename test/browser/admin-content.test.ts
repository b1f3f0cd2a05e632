/**
 * Proves the admin's content screens in Chromium against the real server (src/main.ts) with its
 * local transformation engine, signed in as the first user of a fresh server (its admin):
 *   - signed out, the admin page asks for an admin wallet and asks the server nothing admin-only;
 *   - a 64 x 64 PNG is refused in the browser with the IMAGE_TOO_SMALL wording, nothing is sent
 *     and nothing is listed;
 *   - a real 1920 x 1080 PNG, uploaded through the page with the admin's address as creator,
 *     shows a progress bar while it travels (the upload is throttled so the bar can be seen),
 *     moves through processing with a live progress bar fed by the live feed (the lists are
 *     not polled meanwhile), and reaches review;
 *   - its review shows the original and the animation side by side with the quality figures;
 *     approving it in a dialog puts it at position 1 of the round queue, on the page and in the API;
 *   - the same image uploaded again is refused by the server, worded by its code (DUPLICATE_MEME);
 *   - the system health section draws charts from /metrics; at 320 px nothing scrolls sideways.
 * Screenshots: test-results/browser/admin-content-*.png.
 */

import { PrivateKey } from '@bsv/sdk'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { AdminMemesResponse, RoundQueueResponse } from '../../contracts/content.ts'
import { ERROR_MESSAGES } from '../../web/src/components/errorMessages.ts'
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
/** The first key to sign in to the fresh server, which makes it the admin. */
const ADMIN_KEY = PrivateKey.fromRandom()
const TITLE = 'Sunset over the mempool'
/** The local engine takes several seconds to half a minute here; room for a slow machine. */
const REVIEW_REACHED_MS = 120_000
const FLOW_TEST_TIMEOUT_MS = 240_000
/** Long enough to see the bar and to screenshot it, short enough not to slow the test. */
const UPLOAD_SECONDS = 4
/** Two metric scrapes, 5 s apart, are what a rate needs; one more for a slow machine. */
const METRICS_DRAWN_MS = 20_000
const VIEWPORT_ONLY = { fullPage: false }
/** The server's refusal of the duplicate, which Chromium logs as a console error. */
const DUPLICATE_LOGGED =
  'console error: Failed to load resource: the server responded with a status of 409 (Conflict)'

let server: RunningServer
let browser: Browser

async function openAdminSignedIn(viewport: { width: number; height: number }) {
  const context = await browser.newContext({ viewport, baseURL: server.baseUrl })
  await injectYours(context, ADMIN_KEY)
  const page = await context.newPage()
  const problems = watchForProblems(page)
  await page.goto('/admin')
  await page.getByRole('main').getByRole('button', { name: 'Connect a wallet' }).click()
  const dialog = page.getByRole('dialog', { name: 'Connect a wallet' })
  const option = dialog.getByRole('listitem').filter({ hasText: 'Yours Wallet' }).first()
  await option.getByRole('button', { name: 'Connect Yours Wallet' }).click()
  await dialog.waitFor({ state: 'detached' })
  await page.getByRole('form', { name: 'Upload a meme' }).waitFor()
  return { context, page, problems }
}

/**
 * A landscape scene with gradients, a sun and two mountains: enough structure for the engine's
 * depth estimate and the perceptual hash, unlike a flat colour.
 */
function scenePng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1920" height="1080">
    <defs>
      <linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">
        <stop offset="0" stop-color="#1b2a6b"/><stop offset="1" stop-color="#f08a4b"/>
      </linearGradient>
      <radialGradient id="sun"><stop offset="0" stop-color="#fff6c2"/><stop offset="1" stop-color="#f5b942"/></radialGradient>
    </defs>
    <rect width="1920" height="1080" fill="url(#sky)"/>
    <circle cx="1400" cy="380" r="220" fill="url(#sun)"/>
    <polygon points="0,1080 420,520 820,1080" fill="#2d3b55"/>
    <polygon points="520,1080 1060,440 1600,1080" fill="#3b4d6e"/>
    <rect x="160" y="820" width="240" height="260" fill="#9339f4"/>
    <rect x="200" y="860" width="60" height="60" fill="#fff6c2"/>
    <rect x="300" y="860" width="60" height="60" fill="#fff6c2"/>
  </svg>`
  return sharp(Buffer.from(svg)).png().toBuffer()
}

function tinyPng(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 64, channels: 3, background: '#7b4dff' } })
    .png()
    .toBuffer()
}

function uploadForm(page: Page) {
  return page.getByRole('form', { name: 'Upload a meme' })
}

async function fillUpload(page: Page, file: { name: string; buffer: Buffer }, title: string) {
  const form = uploadForm(page)
  await form
    .getByLabel('Image')
    .setInputFiles({ name: file.name, mimeType: 'image/png', buffer: file.buffer })
  await form.getByLabel('Creator').fill(ADMIN_KEY.toAddress())
  await form.getByLabel('Title').fill(title)
  await form.getByLabel('Tags').fill('sunset, mountains')
}

/** Every meme, in any state, as the server gives them to this page's admin session. */
function memesSeenByPage(page: Page): Promise<AdminMemesResponse> {
  return page.evaluate(async () => {
    const response = await fetch('/api/v1/admin/memes')
    return (await response.json()) as AdminMemesResponse
  })
}

/**
 * Holds the page's uploads to `bytesPerSecond` (Chromium's own network emulation), so the
 * progress bar of a small file is on screen long enough to be seen; null lifts the limit.
 */
async function throttleUploads(context: BrowserContext, page: Page, bytesPerSecond: number | null) {
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond ?? -1,
  })
}

beforeAll(async () => {
  ensureWebBuild()
  server = await startServer()
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

describe('the admin content screens', () => {
  test('signed out, the admin page asks for an admin wallet and asks the server nothing admin-only', async () => {
    const context = await browser.newContext({ viewport: DESKTOP, baseURL: server.baseUrl })
    const page = await context.newPage()
    const problems = watchForProblems(page)
    const sent = recordRequests(page)
    await page.goto('/admin')
    await page.getByText('Sign in as an admin').waitFor()
    await page.getByRole('region', { name: 'System health' }).getByText('Overall:').waitFor()
    expect(sent.filter((request) => request.includes('/api/v1/admin/'))).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  })

  test('a tiny PNG is refused before sending with the IMAGE_TOO_SMALL wording; nothing is listed', async () => {
    const { context, page, problems } = await openAdminSignedIn(DESKTOP)
    const sent = recordRequests(page)
    await fillUpload(page, { name: 'tiny.png', buffer: await tinyPng() }, 'Too small')
    const form = uploadForm(page)
    const refusal = `${ERROR_MESSAGES.IMAGE_TOO_SMALL} This one is 64 × 64 pixels.`
    const alert = form.getByRole('alert')
    await alert.filter({ hasText: refusal }).waitFor()
    expect(await alert.getAttribute('data-code')).toBe('IMAGE_TOO_SMALL')
    expect(await form.getByLabel('Image').getAttribute('aria-invalid')).toBe('true')
    await form.getByRole('button', { name: 'Upload', exact: true }).click()
    await alert.filter({ hasText: refusal }).waitFor()
    await screenshot(page, 'admin-content-refused')

    expect(sent.filter((request) => request.startsWith('POST') && request.includes('/admin/memes'))).toEqual(
      [],
    )
    await page.getByText('Nothing in processing').waitFor()
    await page.getByText('Nothing to review').waitFor()
    await page.getByText('The round queue is empty').waitFor()
    expect((await memesSeenByPage(page)).memes).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  })

  test(
    'upload with progress, live processing, review side by side, approve: first in the round queue',
    async () => {
      const { context, page, problems } = await openAdminSignedIn(DESKTOP)
      const sent = recordRequests(page)
      const png = await scenePng()
      await page.getByText('Live: changes appear as they happen.').waitFor()

      // The upload, held back so that its progress bar is seen.
      await fillUpload(page, { name: 'sunset.png', buffer: png }, TITLE)
      const form = uploadForm(page)
      await form.getByText('PNG · 1920 × 1080 pixels').waitFor()
      await throttleUploads(context, page, Math.ceil(png.length / UPLOAD_SECONDS))
      await form.getByRole('button', { name: 'Upload', exact: true }).click()
      // Partway: the bar has moved but the upload is not through.
      const progress = form.getByRole('progressbar', {
        name: /^Uploading “Sunset over the mempool”: [1-9]\d?%$/,
      })
      await progress.waitFor()
      await screenshot(page, 'admin-content-uploading', VIEWPORT_ONLY)
      await form
        .getByRole('status')
        .filter({ hasText: `Uploaded “${TITLE}”` })
        .waitFor()
      await throttleUploads(context, page, null)
      const posted = sent.filter((request) => request.startsWith('POST') && request.includes('/admin/memes'))
      expect(posted).toHaveLength(1)
      const [uploaded] = (await memesSeenByPage(page)).memes
      expect(uploaded).toMatchObject({ title: TITLE, tags: ['sunset', 'mountains'] })
      expect(uploaded?.creator.address).toBe(ADMIN_KEY.toAddress())

      // Processing follows the live feed: the progress bar moves and the lists are not polled.
      const listsAskedBefore = sent.filter((request) => request.includes('/api/v1/admin/memes?')).length
      const row = page
        .getByRole('list', { name: 'Processing queue' })
        .getByRole('listitem')
        .filter({ hasText: TITLE })
      await row
        .getByRole('progressbar', { name: `Progress of “${TITLE}”` })
        .waitFor({ timeout: REVIEW_REACHED_MS })
      await row.filter({ hasText: /Being turned into an animation: [1-9]\d?% done\./ }).waitFor({
        timeout: REVIEW_REACHED_MS,
      })
      await screenshot(page, 'admin-content-processing')
      const reviewLink = page
        .getByRole('list', { name: 'Memes to review' })
        .getByRole('link', { name: TITLE })
      await reviewLink.waitFor({ timeout: REVIEW_REACHED_MS })
      await page.getByText('Nothing in processing').waitFor()
      const listsAskedWhileLive =
        sent.filter((request) => request.includes('/api/v1/admin/memes?')).length - listsAskedBefore
      // Polling would ask for five lists every 5 s; the stream asks for nothing.
      expect(listsAskedWhileLive).toBe(0)
      await screenshot(page, 'admin-content-in-review')

      // The review: original and animation side by side, with the quality figures.
      await reviewLink.click()
      await page.getByRole('heading', { level: 1, name: 'Review a meme' }).waitFor()
      const original = page.getByRole('img', { name: `Original of “${TITLE}”` })
      const animation = page.getByRole('img', { name: `Animation of “${TITLE}”` })
      for (const image of [original, animation]) {
        await image.waitFor()
        await expect
          .poll(() => image.evaluate((element) => (element as HTMLImageElement).naturalWidth))
          .toBe(1920)
      }
      const [left, right] = [await original.boundingBox(), await animation.boundingBox()]
      expect(left && right && Math.abs(left.y - right.y)).toBeLessThanOrEqual(1)
      expect(left && right && left.x + left.width).toBeLessThanOrEqual(right?.x ?? 0)
      expect(left?.width).toBeGreaterThan(400)
      expect(right?.width).toBe(left?.width)
      const quality = page.getByRole('region', { name: 'Quality' })
      await quality.getByText(/^\d{2,3}\.\d%$/).waitFor()
      await quality.getByText('30 fps').waitFor()
      await quality.getByText('Local engine').waitFor()
      await page.getByRole('region', { name: 'Problems' }).getByText('None: it passed every check').waitFor()
      await screenshot(page, 'admin-content-review')

      // Approving is confirmed in a dialog, then the meme is first in the round queue.
      await page.getByRole('button', { name: 'Approve' }).click()
      const dialog = page.getByRole('dialog', { name: 'Approve this meme?' })
      await dialog.waitFor()
      await screenshot(page, 'admin-content-approve', VIEWPORT_ONLY)
      await dialog.getByRole('button', { name: 'Approve' }).click()
      await dialog.waitFor({ state: 'detached' })
      await page.getByRole('status').filter({ hasText: 'Approved: number 1 in the round queue.' }).waitFor()
      await page.getByRole('link', { name: 'Back to admin' }).click()
      const queued = page
        .getByRole('list', { name: 'Round queue' })
        .getByRole('listitem')
        .filter({ hasText: TITLE })
      await queued.waitFor()
      expect(await queued.locator('.queue-position').textContent()).toBe('Position 1')
      const queue = (await (await fetch(`${server.baseUrl}/api/v1/memes/queue`)).json()) as RoundQueueResponse
      expect(queue.memes[0]).toMatchObject({ id: uploaded?.id, position: 1 })
      await page.getByText('Nothing to review').waitFor()
      await queued.scrollIntoViewIfNeeded()
      await screenshot(page, 'admin-content-published')

      // The same image again: the server refuses it, and the page words the refusal by its code.
      await fillUpload(page, { name: 'again.png', buffer: png }, 'The same sunset')
      await form.getByRole('button', { name: 'Upload', exact: true }).click()
      const refusal = form.getByRole('alert').filter({ hasText: ERROR_MESSAGES.DUPLICATE_MEME })
      await refusal.waitFor()
      expect(await refusal.getAttribute('data-code')).toBe('DUPLICATE_MEME')
      expect((await memesSeenByPage(page)).memes).toHaveLength(1)

      // System health draws its charts from /metrics, a rate once two scrapes are in.
      const charts = page.getByRole('list', { name: 'Metrics over time' }).getByRole('listitem')
      await charts.filter({ hasText: 'Resident memory' }).waitFor()
      await charts
        .filter({ hasText: 'HTTP requests' })
        .locator('.metric-chart-range')
        .filter({ hasText: /^low / })
        .waitFor({ timeout: METRICS_DRAWN_MS })
      expect(await charts.count()).toBeGreaterThanOrEqual(5)
      await page.getByRole('region', { name: 'System health' }).scrollIntoViewIfNeeded()
      await screenshot(page, 'admin-content-desktop')

      // Both pages fit a 320 px screen.
      await page.setViewportSize(NARROW)
      expect(await documentWidth(page)).toBeLessThanOrEqual(NARROW.width)
      await screenshot(page, 'admin-content-narrow')
      await queued.getByRole('link', { name: TITLE }).click()
      await page.getByRole('img', { name: `Animation of “${TITLE}”` }).waitFor()
      expect(await documentWidth(page)).toBeLessThanOrEqual(NARROW.width)
      await screenshot(page, 'admin-content-review-narrow')
      expect(problems.filter((problem) => problem !== DUPLICATE_LOGGED)).toEqual([])
      await context.close()
    },
    FLOW_TEST_TIMEOUT_MS,
  )
})
