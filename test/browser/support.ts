/**
 * Shared pieces of the browser tests: a current build of the web app, a real Memepool server
 * (src/main.ts) on a free port with a data folder of its own, a headless Chromium, and a record
 * of everything the browser complained about. Each browser test file starts its own server, so
 * files never share state.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BSM, type PrivateKey, Utils } from '@bsv/sdk'
import { type Browser, type BrowserContext, type ConsoleMessage, chromium, type Page } from 'playwright-core'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'test-results', 'browser')

const WEB_DIR = path.join(REPO_ROOT, 'web')
const WEB_DIST_INDEX = path.join(WEB_DIR, 'dist', 'index.html')
const VITE_BIN = path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js')

const CHROMIUM_PATH = '/usr/bin/chromium'
// No sandbox because the tests run as root in containers; the rest keeps Chromium from reaching
// out to Google services, which the test network does not allow and which would only add noise.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
]

/** A cold start opens PGlite and runs migrations; a minute leaves room on a slow CI machine. */
const READY_TIMEOUT_MS = 60_000
const READY_POLL_INTERVAL_MS = 250
const READY_REQUEST_TIMEOUT_MS = 2_000
/** The server's own shutdown gives up after 10 s; past that it is killed. */
const STOP_TIMEOUT_MS = 12_000
/** Enough server output to explain a failure without flooding the test report. */
const OUTPUT_LIMIT_CHARS = 20_000

/** A port the operating system has just handed out, so parallel runs do not collide. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      if (address === null || typeof address === 'string') {
        probe.close()
        reject(new Error('Could not read the port of the probe server.'))
        return
      }
      probe.close(() => resolve(address.port))
    })
  })
}

/** Newest modification time of the files under a path, skipping build output and dependencies. */
function newestMtimeMs(target: string): number {
  const stats = statSync(target)
  if (!stats.isDirectory()) return stats.mtimeMs
  let newest = stats.mtimeMs
  for (const entry of readdirSync(target)) {
    if (entry === 'dist' || entry === 'node_modules') continue
    newest = Math.max(newest, newestMtimeMs(path.join(target, entry)))
  }
  return newest
}

/**
 * Builds web/dist when it is missing or older than the web sources, so a test never passes or
 * fails against yesterday's app.
 */
export function ensureWebBuild(): void {
  if (existsSync(WEB_DIST_INDEX) && statSync(WEB_DIST_INDEX).mtimeMs >= newestMtimeMs(WEB_DIR)) return
  const result = spawnSync(process.execPath, [VITE_BIN, 'build', '--config', 'web/vite.config.ts'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  })
  if (result.status !== 0) {
    throw new Error(`vite build failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`)
  }
}

export interface RunningServer {
  baseUrl: string
  /** What the server has written to stderr so far (capped), for failure messages. */
  stderr(): string
  stop(): Promise<void>
}

function capture(stream: NodeJS.ReadableStream | null): () => string {
  let text = ''
  stream?.setEncoding('utf8')
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-OUTPUT_LIMIT_CHARS)
  })
  return () => text
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

async function isReady(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/ready`, {
      signal: AbortSignal.timeout(READY_REQUEST_TIMEOUT_MS),
    })
    await response.body?.cancel()
    return response.status === 200
  } catch {
    // Not listening yet.
    return false
  }
}

async function waitUntilReady(child: ChildProcess, baseUrl: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (exited(child)) {
      throw new Error(
        `The server exited (code ${child.exitCode}, signal ${child.signalCode}) before it was ready.\n` +
          `stderr:\n${stderr()}`,
      )
    }
    if (await isReady(baseUrl)) return
    await delay(READY_POLL_INTERVAL_MS)
  }
  throw new Error(`The server was not ready within ${READY_TIMEOUT_MS} ms.\nstderr:\n${stderr()}`)
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const stopped = await Promise.race([gone.then(() => true), delay(STOP_TIMEOUT_MS).then(() => false)])
  if (!stopped) {
    child.kill('SIGKILL')
    await gone
  }
}

/**
 * Starts the real server the way production does (`node --import tsx src/main.ts`), on a free
 * port of 127.0.0.1 with an empty temporary data folder, and resolves once /ready answers 200.
 */
export async function startServer(options: { env?: Record<string, string> } = {}): Promise<RunningServer> {
  const port = await freePort()
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'memepool-browser-'))
  const baseUrl = `http://127.0.0.1:${port}`
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // Tests that want the demo's memes turn it on; the others start from an empty site.
      DEMO: 'off',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  // Drain stdout so a chatty server never blocks on a full pipe.
  capture(child.stdout)
  const stderr = capture(child.stderr)

  const stop = async () => {
    await stopChild(child)
    await rm(dataDir, { recursive: true, force: true })
  }
  try {
    await waitUntilReady(child, baseUrl, stderr)
  } catch (error) {
    await stop()
    throw error
  }
  return { baseUrl, stderr, stop }
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not at ${CHROMIUM_PATH}; install it with: apt-get install -y chromium`)
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS })
}

/**
 * Answers that are part of normal operation but that Chromium still logs as a console error
 * ("Failed to load resource"): asking who is signed in while nobody is (the app shows a Connect
 * wallet button on that 401).
 */
const EXPECTED_HTTP_ERRORS: readonly { path: string; status: number }[] = [
  { path: '/api/v1/auth/me', status: 401 },
]

function isExpectedHttpError(message: ConsoleMessage): boolean {
  const url = message.location().url
  if (!url) return false
  const { pathname } = new URL(url)
  return EXPECTED_HTTP_ERRORS.some(
    ({ path, status }) => pathname === path && message.text().includes(`status of ${status} `),
  )
}

/**
 * Collects what the page reports as wrong: uncaught exceptions, console errors (a Content
 * Security Policy violation is one) and failed requests. Tests assert the list stays empty.
 */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && !isExpectedHttpError(message)) {
      problems.push(`console error: ${message.text()}`)
    }
  })
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'unknown'
    // A poll or the favicon still in flight when the test navigates is cancelled by the browser
    // (ERR_ABORTED), not failed by the server; a page itself that is aborted still counts.
    if (reason === 'net::ERR_ABORTED' && request.resourceType() !== 'document') return
    problems.push(`request failed: ${request.url()} (${reason})`)
  })
  return problems
}

/**
 * Saves a screenshot under test-results/browser/ and returns its path: the full page by default,
 * or only what the viewport shows (a header, an open dialog) with `{ fullPage: false }`.
 */
export async function screenshot(
  page: Page,
  name: string,
  options: { fullPage?: boolean } = {},
): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true })
  const file = path.join(SCREENSHOT_DIR, `${name}.png`)
  await page.screenshot({ path: file, fullPage: options.fullPage ?? true })
  return file
}

/** Width of the whole document; wider than the viewport means the user must scroll sideways. */
export function documentWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth)
}

/** Everything the page sent: method, URL and body of each request, to check what never leaves it. */
export function recordRequests(page: Page): string[] {
  const sent: string[] = []
  page.on('request', (request) =>
    sent.push(`${request.method()} ${request.url()}\n${request.postData() ?? ''}`),
  )
  return sent
}

/** A Yours Wallet v4 provider whose key lives in this test process (as in auth.test.ts). */
export async function injectYours(context: BrowserContext, key: PrivateKey) {
  await context.exposeFunction('memepoolTestYoursSign', (message: string) => ({
    address: key.toAddress(),
    pubKey: key.toPublicKey().toString(),
    sig: BSM.sign(Utils.toArray(message, 'utf8'), key, 'base64'),
    message,
  }))
  await context.addInitScript((identityKey) => {
    type Exposed = { memepoolTestYoursSign(message: string): Promise<unknown> }
    Object.assign(window, {
      yours: {
        isReady: true,
        connect: async () => identityKey,
        isConnected: async () => true,
        signMessage: ({ message }: { message: string }) =>
          (window as unknown as Exposed).memepoolTestYoursSign(message),
      },
    })
  }, key.toPublicKey().toString())
}
