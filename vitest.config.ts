import { defineConfig } from 'vitest/config'

/**
 * Test tiers (STYLE "Three test tiers"):
 *   unit    pure code beside its source, no I/O
 *   medium  real database: PGlite by default, PostgreSQL when DATABASE_URL is set
 *   api     the HTTP app end to end through app.inject
 *   browser Chromium against a running server (needs /usr/bin/chromium)
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
    ],
  },
})
