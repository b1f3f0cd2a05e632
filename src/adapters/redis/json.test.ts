/**
 * Proves the JSON Redis carries round-trips bigint amounts exactly (beyond 2^53 too), leaves
 * ordinary JSON alone, and reads a `$bigint` tag only in its exact shape.
 */
import { describe, expect, it } from 'vitest'
import { decodeJson, encodeJson } from './json.ts'

describe('Redis JSON', () => {
  it('round-trips bigint fields at any depth, exactly', () => {
    const message = {
      userId: 'u1',
      event: {
        kind: 'balance',
        balanceSats: 2_100_000_000_000_000n,
        deltas: [-1n, 0n, 9_007_199_254_740_993n],
      },
    }
    const back = decodeJson<typeof message>(encodeJson(message))
    expect(back).toEqual(message)
    expect(typeof back.event.balanceSats).toBe('bigint')
    expect(back.event.deltas[2]).toBe(9_007_199_254_740_993n)
  })

  it('leaves numbers, strings, null and nested objects as JSON has them', () => {
    const message = { height: 812_345, hash: 'ab'.repeat(32), progress: null, nested: { list: [1, 'two'] } }
    expect(encodeJson(message)).toBe(JSON.stringify(message))
    expect(decodeJson(encodeJson(message))).toEqual(message)
  })

  it('reads a $bigint tag only when it is the sole field and holds an integer', () => {
    expect(decodeJson('{"$bigint":"12","other":1}')).toEqual({ $bigint: '12', other: 1 })
    expect(decodeJson('{"$bigint":"1.5"}')).toEqual({ $bigint: '1.5' })
    expect(decodeJson('{"$bigint":"-7"}')).toBe(-7n)
  })
})
