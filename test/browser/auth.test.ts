/**
 * Proves wallet sign-in in Chromium against the real server (src/main.ts), with real keys and
 * real signatures and only the browser extensions simulated:
 *   - the Connect wallet dialog is an accessible modal: labelled, focus moves in, Tab stays in,
 *     Escape closes it and focus returns to the button that opened it;
 *   - the built-in wallet end to end: a new phrase is shown, confirmed and locked with a
 *     password; the session survives a reload (cookie); log out ends it (/auth/me 401); Unlock
 *     refuses a wrong password and signs in with the right one; the phrase and password never
 *     appear in any request, and localStorage holds only ciphertext;
 *   - importing a known phrase signs in as the address @bsv/sdk derives from it at
 *     m/44'/236'/0'/0/0, invalid words are refused, and Forget removes the saved wallet;
 *   - Yours Wallet v4 (`window.yours`), present from the start and injected late while the
 *     dialog is open, signs the server's challenge with a key held in this test process;
 *   - a BRC-100 wallet (`window.CWI`) backed by the SDK's ProtoWallet signs in by identity key,
 *     after asking the user to log in to it;
 *   - a signature the server rejects is shown by its error code, in the app's words;
 *   - the header's block height is the tip GET /api/v1/chain reports and follows a block mined
 *     while the page is open; an admin sees their role; the signed-in header fits 320 px.
 */

import { BSM, HD, Mnemonic, PrivateKey, ProtoWallet, Utils } from '@bsv/sdk'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { SessionResponse } from '../../contracts/auth.ts'
import type { ChainStatus } from '../../contracts/chain.ts'
import {
  documentWidth,
  ensureWebBuild,
  launchBrowser,
  type RunningServer,
  recordRequests,
  screenshot,
  startServer,
  watchForProblems,
} from './support.ts'

const DESKTOP = { width: 1280, height: 800 }
const NARROW = { width: 320, height: 640 }
const PASSWORD = 'correct horse battery staple'
const DERIVATION_PATH = "m/44'/236'/0'/0/0"
/** A BIP39 test vector, so the expected address is computed from a phrase nobody generated here. */
const KNOWN_PHRASE = 'legal winner thank year wave sausage worth useful legal winner thank yellow'
/** Detection polls for 3 s after the dialog opens; injecting 1 s in leaves room on a slow machine. */
const LATE_INJECTION_DELAY_MS = 1_000
const BRC100_LOGIN_DELAY_MS = 500
/** Dialogs and the header are what these screenshots are for; the page below adds nothing. */
const VIEWPORT_ONLY = { fullPage: false }

/** Named an admin in the server's configuration, so the header test may mine a devnet block. */
const ADMIN_KEY = PrivateKey.fromRandom()
/** The sync's poll and the header's poll are 5 s each; a new block shows within both. */
const NEW_BLOCK_SHOWN_MS = 20_000

let server: RunningServer
let browser: Browser

function addressFor(phrase: string): string {
  return HD.fromSeed(Mnemonic.fromString(phrase).toSeed()).derive(DERIVATION_PATH).privKey.toAddress()
}

async function openPage(viewport = DESKTOP) {
  const context: BrowserContext = await browser.newContext({ viewport, baseURL: server.baseUrl })
  const page = await context.newPage()
  const problems = watchForProblems(page)
  const requests = recordRequests(page)
  return { context, page, problems, requests }
}

function connectButton(page: Page) {
  return page.getByRole('banner').getByRole('button', { name: 'Connect wallet', exact: true })
}

function dialog(page: Page) {
  return page.getByRole('dialog', { name: 'Connect a wallet' })
}

function identity(page: Page) {
  return page.locator('#account-identity')
}

/** The signed-in identity the header shows in full (title and screen-reader text). */
async function shownIdentity(page: Page): Promise<string> {
  await identity(page).waitFor()
  const title = (await identity(page).getAttribute('title')) ?? ''
  return title.replace(/^Signed in(?: with .+?)? as /, '')
}

async function me(page: Page): Promise<{ status: number; body: SessionResponse | null }> {
  // page.request shares the browser context's cookies, so this asks as the page would.
  const response = await page.request.get('/api/v1/auth/me')
  return {
    status: response.status(),
    body: response.ok() ? ((await response.json()) as SessionResponse) : null,
  }
}

async function activeElementInDialog(page: Page): Promise<boolean> {
  return page.evaluate(() => document.activeElement?.closest('dialog[open]') !== null)
}

function formatHeight(height: number): string {
  return new Intl.NumberFormat('en-GB').format(height)
}

/** Waits until the header's chain tip shows exactly this height. */
async function waitForHeaderHeight(page: Page, height: number) {
  await page.waitForFunction(
    (expected) =>
      document.querySelector('[aria-label="Chain tip"]')?.getAttribute('data-height') === String(expected),
    height,
    { timeout: NEW_BLOCK_SHOWN_MS },
  )
}

async function openDialog(page: Page) {
  await connectButton(page).click()
  await dialog(page).waitFor()
}

async function choosePassword(page: Page, submit: string) {
  await dialog(page).getByLabel('Password', { exact: true }).fill(PASSWORD)
  await dialog(page).getByLabel('Repeat the password').fill(PASSWORD)
  await dialog(page).getByRole('button', { name: submit }).click()
}

async function logOut(page: Page) {
  await page.getByRole('banner').getByRole('button', { name: 'Log out' }).click()
  await connectButton(page).waitFor()
}

/** Fails if any request's URL or body contains one of the secrets (a string, or a pattern for any spelling of it). */
function expectNoSecrets(requests: string[], secrets: (string | RegExp)[]) {
  for (const secret of secrets) {
    const leaks = requests.filter((request) =>
      typeof secret === 'string' ? request.includes(secret) : secret.test(request),
    )
    expect(leaks, `a request carried ${String(secret).slice(0, 14)}…`).toEqual([])
  }
}

/** The first words of a phrase with anything but letters between them: JSON arrays, URL encoding, commas. */
function phrasePattern(words: string[]): RegExp {
  return new RegExp(words.slice(0, 3).join('[^a-z]{1,6}'), 'i')
}

// One server for the file: every test opens a fresh browser context (own cookies and storage).
beforeAll(async () => {
  ensureWebBuild()
  server = await startServer({ env: { ADMINS: ADMIN_KEY.toAddress() } })
  browser = await launchBrowser()
})

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

describe('the built-in wallet', () => {
  test('the dialog is a labelled modal: focus moves in, Tab stays in, Escape closes and returns focus', async () => {
    const { context, page, problems } = await openPage()
    await page.goto('/')
    await openDialog(page)
    expect(await activeElementInDialog(page)).toBe(true)
    // More presses than the dialog has controls, both ways: focus never reaches the page behind.
    for (let press = 0; press < 12; press++) {
      await page.keyboard.press('Tab')
      expect(await activeElementInDialog(page)).toBe(true)
    }
    for (let press = 0; press < 12; press++) {
      await page.keyboard.press('Shift+Tab')
      expect(await activeElementInDialog(page)).toBe(true)
    }
    await dialog(page).getByText('Not found').first().waitFor()
    await screenshot(page, 'auth-dialog-desktop', VIEWPORT_ONLY)

    await page.keyboard.press('Escape')
    await dialog(page).waitFor({ state: 'detached' })
    expect(await connectButton(page).evaluate((button) => button === document.activeElement)).toBe(true)

    // The Close button works the same way.
    await openDialog(page)
    await dialog(page).getByRole('button', { name: 'Close' }).click()
    await dialog(page).waitFor({ state: 'detached' })
    expect(await connectButton(page).evaluate((button) => button === document.activeElement)).toBe(true)
    expect(problems).toEqual([])
    await context.close()
  })

  test('at 320 px the dialog and the header fit without sideways scrolling', async () => {
    const { context, page, problems } = await openPage(NARROW)
    await page.goto('/')
    await connectButton(page).waitFor()
    expect(await documentWidth(page)).toBeLessThanOrEqual(NARROW.width)
    await screenshot(page, 'auth-header-narrow-signed-out', VIEWPORT_ONLY)
    await openDialog(page)
    await dialog(page).getByText('Not found').first().waitFor()
    const box = await dialog(page).boundingBox()
    expect(box?.width).toBeLessThanOrEqual(NARROW.width)
    await screenshot(page, 'auth-dialog-narrow', VIEWPORT_ONLY)
    await dialog(page).getByRole('button', { name: 'Create a new wallet' }).click()
    await dialog(page).getByRole('heading', { name: 'Write down your recovery words' }).waitFor()
    await screenshot(page, 'auth-words-narrow', VIEWPORT_ONLY)
    expect(problems).toEqual([])
    await context.close()
  })

  test('built-in wallet: create, confirm, password, reload, log out, unlock; no secret is ever sent', async () => {
    const { context, page, problems, requests } = await openPage()
    await page.goto('/')
    await openDialog(page)
    await dialog(page).getByRole('button', { name: 'Create a new wallet' }).click()

    const words = await dialog(page).locator('.mnemonic-word').allTextContents()
    expect(words).toHaveLength(12)
    const phrase = words.join(' ')
    expect(Mnemonic.isValid(phrase)).toBe(true)
    await screenshot(page, 'auth-words-desktop', VIEWPORT_ONLY)

    // Continuing without ticking the box is refused.
    await dialog(page).getByRole('button', { name: 'Continue' }).click()
    await dialog(page).getByText('Tick the box once the words are written down.').waitFor()
    await dialog(page).getByLabel('I have written down all 12 words in order').check()
    await dialog(page).getByRole('button', { name: 'Continue' }).click()

    // Three words at random positions; a wrong one is named.
    const labels = await dialog(page).locator('.confirm-words label').allTextContents()
    expect(labels).toHaveLength(3)
    const positions = labels.map((label) => Number(label.replace('Word ', '')))
    const first = positions[0] ?? 1
    await dialog(page).getByLabel(`Word ${first}`, { exact: true }).fill('zzz')
    await dialog(page).getByRole('button', { name: 'Continue' }).click()
    await dialog(page).getByText(`This is not word ${first} of your list.`).waitFor()
    for (const position of positions) {
      await dialog(page)
        .getByLabel(`Word ${position}`, { exact: true })
        .fill(words[position - 1] ?? '')
    }
    await screenshot(page, 'auth-confirm-desktop', VIEWPORT_ONLY)
    await dialog(page).getByRole('button', { name: 'Continue' }).click()

    // Passwords that are too short or differ are refused before anything is saved.
    await dialog(page).getByLabel('Password', { exact: true }).fill('short')
    await dialog(page).getByRole('button', { name: 'Create wallet and sign in' }).click()
    await dialog(page).getByText('Use at least 10 characters.').waitFor()
    await dialog(page).getByLabel('Password', { exact: true }).fill(PASSWORD)
    await dialog(page).getByLabel('Repeat the password').fill(`${PASSWORD}!`)
    await dialog(page).getByRole('button', { name: 'Create wallet and sign in' }).click()
    await dialog(page).getByText('The two passwords are not the same.').waitFor()
    await screenshot(page, 'auth-password-desktop', VIEWPORT_ONLY)
    await choosePassword(page, 'Create wallet and sign in')

    const address = addressFor(phrase)
    expect(await shownIdentity(page)).toBe(address)
    await dialog(page).waitFor({ state: 'detached' })
    // Focus went to the new account identity, not to the page body.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('account-identity')
    const session = await me(page)
    expect(session.status).toBe(200)
    expect(session.body?.user.address).toBe(address)
    // The server makes the first account of a fresh embedded install its admin; the header says so.
    const adminBadge = page.getByRole('banner').locator('.role-badge', { hasText: 'Admin' })
    expect(await adminBadge.count()).toBe(session.body?.user.role === 'admin' ? 1 : 0)
    await screenshot(page, 'auth-header-desktop-signed-in', VIEWPORT_ONLY)

    // Only ciphertext is stored. The vault's own field names ("salt", for one, is also a BIP39
    // word) are left out of the search: only the stored values could leak the words.
    const stored = await page.evaluate(() => localStorage.getItem('memepool.builtinWallet.v1'))
    expect(stored).not.toBeNull()
    const storedValues = vaultValues(JSON.parse(stored!))
    for (const word of words) expect(storedValues).not.toMatch(new RegExp(`\\b${word}\\b`))

    await page.reload()
    expect(await shownIdentity(page)).toBe(address)

    await logOut(page)
    expect((await me(page)).status).toBe(401)
    // After Log out, focus lands on the Connect button that replaced it.
    expect(await connectButton(page).evaluate((button) => button === document.activeElement)).toBe(true)

    await openDialog(page)
    await dialog(page).getByText('Saved in this browser').waitFor()
    await dialog(page).getByRole('button', { name: 'Unlock' }).click()
    await dialog(page).getByLabel('Password', { exact: true }).fill('not the password')
    await dialog(page).getByRole('button', { name: 'Unlock and sign in' }).click()
    await dialog(page).getByText('That password does not unlock this wallet.').waitFor()
    expect(await dialog(page).getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe(
      'true',
    )
    await screenshot(page, 'auth-unlock-wrong-password', VIEWPORT_ONLY)
    await dialog(page).getByLabel('Password', { exact: true }).fill(PASSWORD)
    await dialog(page).getByRole('button', { name: 'Unlock and sign in' }).click()
    expect(await shownIdentity(page)).toBe(address)
    expect((await me(page)).body?.user.address).toBe(address)

    expect(
      requests.some((request) => request.startsWith('POST') && request.includes('/api/v1/auth/login')),
    ).toBe(true)
    expectNoSecrets(requests, [phrase, phrasePattern(words), PASSWORD, 'not the password'])
    expect(problems).toEqual([])
    await context.close()
  })

  test('importing a known phrase signs in as the address derived from it; Forget removes it', async () => {
    const { context, page, problems, requests } = await openPage()
    await page.goto('/')
    await openDialog(page)
    await dialog(page).getByRole('button', { name: 'Import recovery words' }).click()
    const field = dialog(page).getByRole('textbox', { name: 'Recovery words' })
    await field.fill(KNOWN_PHRASE.replace('yellow', 'zebra'))
    await dialog(page).getByRole('button', { name: 'Continue' }).click()
    await dialog(page).getByText('These words are not a valid recovery phrase', { exact: false }).waitFor()
    // Pasted with capitals, numbering and line breaks: still the same phrase.
    await field.fill(
      KNOWN_PHRASE.toUpperCase()
        .split(' ')
        .map((word, index) => `${index + 1}. ${word}`)
        .join('\n'),
    )
    await dialog(page).getByRole('button', { name: 'Continue' }).click()
    await choosePassword(page, 'Save wallet and sign in')

    const expected = addressFor(KNOWN_PHRASE)
    expect(await shownIdentity(page)).toBe(expected)
    expect((await me(page)).body?.user.address).toBe(expected)
    expectNoSecrets(requests, [phrasePattern(KNOWN_PHRASE.split(' ')), PASSWORD])

    await logOut(page)
    await openDialog(page)
    await dialog(page).getByRole('button', { name: 'Forget this wallet' }).click()
    await dialog(page).getByRole('heading', { name: 'Forget this wallet?' }).waitFor()
    await dialog(page).getByText('lost for good', { exact: false }).waitFor()
    await screenshot(page, 'auth-forget-desktop', VIEWPORT_ONLY)
    await dialog(page).getByRole('button', { name: 'Forget the wallet' }).click()
    await dialog(page).getByText('Tick the box to confirm.').waitFor()
    await dialog(page).getByLabel('I have the recovery words written down', { exact: false }).check()
    await dialog(page).getByRole('button', { name: 'Forget the wallet' }).click()
    await dialog(page).getByText('The wallet was removed from this browser.').waitFor()
    await dialog(page).getByRole('button', { name: 'Create a new wallet' }).waitFor()
    expect(await page.evaluate(() => localStorage.getItem('memepool.builtinWallet.v1'))).toBeNull()
    expect(problems).toEqual([])
    await context.close()
  })
})

/**
 * A Yours Wallet v4 provider whose keys live in this test process: the page's `window.yours`
 * forwards signMessage to an exposed function that signs with a real PrivateKey (BSM), as the
 * extension does with its identity key.
 */
async function fakeYours(
  context: BrowserContext,
  options: { signer: PrivateKey; reported?: PrivateKey; injectOn: 'start' | 'demand' },
) {
  const reported = options.reported ?? options.signer
  const messages: string[] = []
  await context.exposeFunction('memepoolTestYoursSign', (message: string) => {
    messages.push(message)
    return {
      address: reported.toAddress(),
      pubKey: reported.toPublicKey().toString(),
      sig: BSM.sign(Utils.toArray(message, 'utf8'), options.signer, 'base64'),
      message,
    }
  })
  await context.addInitScript(
    ({ identityKey, onDemand }) => {
      type Exposed = { memepoolTestYoursSign(message: string): Promise<unknown> }
      const inject = () => {
        Object.assign(window, {
          yours: {
            isReady: true,
            connect: async () => identityKey,
            isConnected: async () => true,
            signMessage: ({ message }: { message: string }) =>
              (window as unknown as Exposed).memepoolTestYoursSign(message),
          },
        })
      }
      if (onDemand) Object.assign(window, { memepoolTestInjectYours: inject })
      else inject()
    },
    { identityKey: reported.toPublicKey().toString(), onDemand: options.injectOn === 'demand' },
  )
  return messages
}

describe('browser extension wallets', () => {
  test('Yours Wallet v4 present at load: signs the challenge and the header shows its address', async () => {
    const { context, page, problems } = await openPage()
    const key = PrivateKey.fromRandom()
    const signed = await fakeYours(context, { signer: key, injectOn: 'start' })
    await page.goto('/')
    await openDialog(page)
    const option = dialog(page).getByRole('listitem').filter({ hasText: 'Yours Wallet' }).first()
    await option.getByText('Found', { exact: true }).waitFor()
    await screenshot(page, 'auth-dialog-yours-found', VIEWPORT_ONLY)
    await option.getByRole('button', { name: 'Connect Yours Wallet' }).click()

    expect(await shownIdentity(page)).toBe(key.toAddress())
    expect(signed).toHaveLength(1)
    expect(signed[0]).toMatch(/^Sign in to Memepool/)
    const session = await me(page)
    expect(session.body?.user.address).toBe(key.toAddress())
    expect(session.body?.user.identityKey).toBe(key.toPublicKey().toString())
    expect(problems).toEqual([])
    await context.close()
  })

  test('Yours Wallet injected a second after the dialog opened is still found', async () => {
    const { context, page, problems } = await openPage()
    const key = PrivateKey.fromRandom()
    await fakeYours(context, { signer: key, injectOn: 'demand' })
    await page.goto('/')
    await openDialog(page)
    const option = dialog(page).getByRole('listitem').filter({ hasText: 'Yours Wallet' }).first()
    expect(await option.getByRole('button', { name: 'Connect Yours Wallet' }).count()).toBe(0)
    await page.waitForTimeout(LATE_INJECTION_DELAY_MS)
    await page.evaluate(() =>
      (window as unknown as { memepoolTestInjectYours(): void }).memepoolTestInjectYours(),
    )
    await option.getByRole('button', { name: 'Connect Yours Wallet' }).click()
    expect(await shownIdentity(page)).toBe(key.toAddress())
    expect(problems).toEqual([])
    await context.close()
  })

  test('a signature the server rejects is shown by its code, in the app’s words', async () => {
    const { context, page } = await openPage()
    // The wallet reports one key but signs with another.
    await fakeYours(context, {
      signer: PrivateKey.fromRandom(),
      reported: PrivateKey.fromRandom(),
      injectOn: 'start',
    })
    await page.goto('/')
    await openDialog(page)
    await dialog(page).getByRole('button', { name: 'Connect Yours Wallet' }).click()
    const alert = dialog(page).getByRole('alert')
    await alert.waitFor()
    expect(await alert.getAttribute('data-code')).toBe('SIGNATURE_INVALID')
    expect(await alert.textContent()).toMatch(/signature did not check out.*\(request [\w-]+\)/)
    await screenshot(page, 'auth-dialog-server-error', VIEWPORT_ONLY)
    expect(await connectButton(page).isVisible()).toBe(true)
    expect((await me(page)).status).toBe(401)
    await context.close()
  })

  test('a BRC-100 wallet at window.CWI signs in by identity key after the user logs in to it', async () => {
    const { context, page, problems } = await openPage()
    const key = PrivateKey.fromRandom()
    const wallet = new ProtoWallet(key)
    const calls: { method: string; args: unknown; originator: unknown }[] = []
    await context.exposeFunction(
      'memepoolTestCwi',
      async (method: string, args: unknown, originator: unknown) => {
        calls.push({ method, args, originator })
        if (method === 'getPublicKey')
          return wallet.getPublicKey(args as Parameters<ProtoWallet['getPublicKey']>[0])
        if (method === 'createSignature') {
          return wallet.createSignature(args as Parameters<ProtoWallet['createSignature']>[0])
        }
        throw new Error(`unexpected wallet call ${method}`)
      },
    )
    await context.addInitScript((loginDelayMs) => {
      type Exposed = { memepoolTestCwi(method: string, args: unknown, originator: unknown): Promise<unknown> }
      const forward = (method: string) => (args: unknown, originator: unknown) =>
        (window as unknown as Exposed).memepoolTestCwi(method, args, originator)
      let loggedIn = false
      Object.assign(window, {
        CWI: {
          getVersion: async () => ({ version: 'test-wallet-1.0.0' }),
          getNetwork: async () => ({ network: 'mainnet' }),
          isAuthenticated: async () => ({ authenticated: loggedIn }),
          // The user takes a moment to log in to the wallet.
          waitForAuthentication: () =>
            new Promise((resolve) =>
              setTimeout(() => {
                loggedIn = true
                resolve({ authenticated: true })
              }, loginDelayMs),
            ),
          getPublicKey: forward('getPublicKey'),
          createSignature: forward('createSignature'),
        },
      })
    }, BRC100_LOGIN_DELAY_MS)

    await page.goto('/')
    await openDialog(page)
    const option = dialog(page).getByRole('listitem').filter({ hasText: 'BRC-100 wallet' })
    await option.getByText('Found in this browser').waitFor()
    await option.getByRole('button', { name: 'Connect BRC-100 wallet' }).click()
    await dialog(page).getByText('Log in to BRC-100 wallet to continue.').waitFor()

    const identityKey = key.toPublicKey().toString()
    expect(await shownIdentity(page)).toBe(identityKey)
    const session = await me(page)
    expect(session.body?.user.identityKey).toBe(identityKey)

    const signature = calls.find((call) => call.method === 'createSignature')
    expect(signature?.args).toMatchObject({ protocolID: [2, 'memepool login'], counterparty: 'anyone' })
    expect(signature?.originator).toBe(new URL(server.baseUrl).host)
    await screenshot(page, 'auth-header-desktop-brc100', VIEWPORT_ONLY)
    expect(problems).toEqual([])
    await context.close()
  })
})

describe('the header', () => {
  test('the block height is the tip GET /api/v1/chain reports and follows a new block; it fits 320 px', async () => {
    const { context, page, problems } = await openPage()
    await fakeYours(context, { signer: ADMIN_KEY, injectOn: 'start' })
    await page.goto('/')
    const tip = page.getByRole('banner').getByRole('region', { name: 'Chain tip' })
    await tip.waitFor()
    const chain = (await (await page.request.get('/api/v1/chain')).json()) as ChainStatus
    expect(chain.tip).not.toBeNull()
    await waitForHeaderHeight(page, chain.tip?.height ?? 0)
    await tip.getByText(/^\d+ (s|min|h|days?).* ago$/).waitFor()

    // Mining needs an admin; ADMIN_KEY is one by configuration (ADMINS).
    await openDialog(page)
    await dialog(page).getByRole('button', { name: 'Connect Yours Wallet' }).click()
    expect(await shownIdentity(page)).toBe(ADMIN_KEY.toAddress())
    await page.getByRole('banner').locator('.role-badge', { hasText: 'Admin' }).waitFor()
    const mined = await page.request.post('/api/v1/devnet/mine')
    expect(mined.status()).toBe(200)
    const { tip: minedTip } = (await mined.json()) as { tip: { height: number } }
    expect(minedTip.height).toBeGreaterThan(chain.tip?.height ?? 0)
    // The server syncs the new block and the header's poll picks it up, with no reload.
    await waitForHeaderHeight(page, minedTip.height)
    await tip.getByText(formatHeight(minedTip.height), { exact: true }).waitFor()
    await screenshot(page, 'auth-header-desktop-admin', VIEWPORT_ONLY)
    expect(problems).toEqual([])
    await context.close()

    const narrow = await openPage(NARROW)
    await fakeYours(narrow.context, { signer: ADMIN_KEY, injectOn: 'start' })
    await narrow.page.goto('/')
    await openDialog(narrow.page)
    await dialog(narrow.page).getByRole('button', { name: 'Connect Yours Wallet' }).click()
    expect(await shownIdentity(narrow.page)).toBe(ADMIN_KEY.toAddress())
    await waitForHeaderHeight(narrow.page, minedTip.height)
    expect(await documentWidth(narrow.page)).toBeLessThanOrEqual(NARROW.width)
    await screenshot(narrow.page, 'auth-header-narrow-signed-in', VIEWPORT_ONLY)
    expect(narrow.problems).toEqual([])
    await narrow.context.close()
  })
})

/** Every string and number stored in the vault, without its field names. */
function vaultValues(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value)
  return Object.values(value as Record<string, unknown>)
    .map(vaultValues)
    .join(' ')
}
