/**
 * The HTTP app for API tests: a real buildApp over a fresh migrated database, configured through
 * loadConfig exactly as in production, driven with app.inject (nothing listens). Logs are silent
 * unless a test asks to read them back.
 */
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { loadConfig } from '../../src/config.ts'
import { type App, type AppDeps, buildApp } from '../../src/http/app.ts'
import { createLogger } from '../../src/logger.ts'
import { openTestDb, type TestDb } from './db.ts'

export const TEST_VERSION = '0.0.0-test'

export interface TestAppOptions {
  /** Environment variables for loadConfig, on top of NODE_ENV=test. */
  env?: Record<string, string>
  /** Overrides for buildApp's dependencies. */
  deps?: Partial<AppDeps>
  /** A database to share between apps; by default each test app opens and closes its own. */
  db?: TestDb
  /** Collect log lines (parsed JSON) at this level into `logs`. */
  logLevel?: 'info' | 'debug' | 'trace'
}

export interface TestApp {
  app: App
  db: TestDb
  logs: Record<string, unknown>[]
  /** Raw log text, for asserting that something never appears anywhere. */
  rawLogs: () => string
  close: () => Promise<void>
}

/** A folder that does not exist, so tests never depend on whether web/dist has been built. */
export const NO_WEB_BUILD_DIR = path.join(tmpdir(), 'memepool-test-no-web-build-does-not-exist')

export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = options.db ?? (await openTestDb())
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(chunk.toString())
      callback()
    },
  })
  const config = loadConfig({ NODE_ENV: 'test', ...options.env })
  const app = await buildApp({
    config,
    db,
    version: TEST_VERSION,
    logger: createLogger(options.logLevel ?? 'silent', stream),
    webDistDir: NO_WEB_BUILD_DIR,
    ...options.deps,
  })
  const rawLogs = () => chunks.join('')
  return {
    app,
    db,
    get logs() {
      return rawLogs()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>)
    },
    rawLogs,
    close: async () => {
      await app.close()
      if (!options.db) await db.close()
    },
  }
}
