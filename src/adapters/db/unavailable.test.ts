/** Which failures count as "the database is unreachable" (503) rather than a bug (500). */
import { describe, expect, it } from 'vitest'
import { isDatabaseUnavailable } from './unavailable.ts'

describe('isDatabaseUnavailable', () => {
  it('recognises a server shutting down, refusing, cut connections and pool timeouts', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(
      true,
    )
    expect(
      isDatabaseUnavailable(
        Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      ),
    ).toBe(true)
    expect(
      isDatabaseUnavailable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
    ).toBe(true)
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true)
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true)
    const refusedTwice = new AggregateError(
      [Object.assign(new Error('x'), { code: 'ECONNREFUSED' })],
      'all failed',
    )
    expect(isDatabaseUnavailable(refusedTwice)).toBe(true)
    expect(
      isDatabaseUnavailable(
        new Error('wrapped', { cause: Object.assign(new Error('y'), { code: '08006' }) }),
      ),
    ).toBe(true)
  })

  it('does not take refused statements or bugs for an outage', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false)
    expect(isDatabaseUnavailable(Object.assign(new Error('serialization failure'), { code: '40001' }))).toBe(
      false,
    )
    expect(isDatabaseUnavailable(new TypeError('cannot read properties of undefined'))).toBe(false)
    expect(isDatabaseUnavailable(undefined)).toBe(false)
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false)
  })
})
