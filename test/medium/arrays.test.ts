/** Proves that the array literals round-trip any text (quotes, backslashes, commas, braces, unicode) through PostgreSQL's parser. */
import fc from 'fast-check'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bigintArray, textArray } from '../../src/adapters/db/arrays.ts'
import { openTestDb, type TestDb } from '../support/db.ts'

let db: TestDb
beforeAll(async () => {
  db = await openTestDb()
})
afterAll(async () => {
  await db.close()
})

describe('array literals', () => {
  it('round-trip arbitrary strings and integers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'grapheme' }).filter((s) => !s.includes('\u0000')),
          { maxLength: 20 },
        ),
        fc.array(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), { maxLength: 20 }),
        async (texts, numbers) => {
          const result = await sql<{ t: string[] | null; n: number[] | null }>`
            select ${textArray(texts)}::text[] as t, ${bigintArray(numbers)}::bigint[] as n`.execute(
            db.kysely,
          )
          expect(result.rows[0]?.t ?? []).toEqual(texts)
          expect((result.rows[0]?.n ?? []).map(Number)).toEqual(numbers)
        },
      ),
      { numRuns: 100 },
    )
  })

  it('refuses a fractional number', () => {
    expect(() => bigintArray([1.5])).toThrow(/safe integers/)
  })
})
