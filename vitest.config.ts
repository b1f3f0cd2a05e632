import { defineConfig } from 'vitest/config'

/**
 * Test tiers (STYLE "Three test tiers"):
 *   unit    pure code beside its source, no I/O
 *   medium  real database: PGlite by default, PostgreSQL when DATABASE_URL is set
 *   api     the HTTP app end to end through app.inject
 *   browser Chromium against a running server (needs /usr/bin/chromium)
 *   cluster `npm run cluster` for real: several processes on PostgreSQL and Redis (skipped
 *           unless DATABASE_URL and REDIS_URL are set)
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'contracts/**/*.test.ts', 'web/src/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'medium',
          include: ['test/medium/**/*.test.ts', 'test/sim/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      { test: { name: 'api', include: ['test/api/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 60_000 } },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
