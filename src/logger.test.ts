/**
 * Proves log redaction by field name: secret-looking fields are replaced at any depth (inside
 * arrays too), other fields and non-plain objects are left alone, cycles end, and secret query
 * parameters in URLs are replaced while the rest of the URL stays readable. Also proves the
 * sampled log writes one line per interval and counts the rest, and an outage notice warns once
 * per outage and reports its failures when it ends.
 */
import { describe, expect, it } from 'vitest'
import { OutageNotice, REDACTED, redactSecrets, redactUrl, SampledLog } from './logger.ts'

describe('redactSecrets', () => {
  it('replaces fields named like secrets at any depth', () => {
    const input = {
      user: 'alice',
      apiKey: 'k',
      nested: { sessionToken: 't', list: [{ privateKeyWif: 'w', amountSats: 5 }] },
      headers: { authorization: 'Bearer x', 'set-cookie': ['a=b'], accept: '*/*' },
      wallet: { mnemonic: 'abandon', passwordHash: 'h', seedPhrase: 's', clientSecret: 'c' },
    }
    expect(redactSecrets(input)).toEqual({
      user: 'alice',
      apiKey: REDACTED,
      nested: { sessionToken: REDACTED, list: [{ privateKeyWif: REDACTED, amountSats: 5 }] },
      headers: { authorization: REDACTED, 'set-cookie': REDACTED, accept: '*/*' },
      wallet: { mnemonic: REDACTED, passwordHash: REDACTED, seedPhrase: REDACTED, clientSecret: REDACTED },
    })
  })

  it('does not modify its input and leaves class instances to their serializers', () => {
    const error = new Error('boom')
    const input = { token: 'x', err: error }
    const output = redactSecrets(input) as typeof input
    expect(input.token).toBe('x')
    expect(output.err).toBe(error)
  })

  it('stops at a depth limit, so reference cycles end', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = cyclic
    expect(() => JSON.stringify(redactSecrets(cyclic))).not.toThrow()
  })
})

describe('redactUrl', () => {
  it('replaces the values of secret query parameters only', () => {
    expect(redactUrl('/api/v1/ws?token=abc&page=2&api_key=k')).toBe(
      `/api/v1/ws?token=${REDACTED}&page=2&api_key=${REDACTED}`,
    )
  })

  it('leaves URLs without secrets untouched', () => {
    expect(redactUrl('/api/v1/memes?sort=top&page=%E0%A4')).toBe('/api/v1/memes?sort=top&page=%E0%A4')
    expect(redactUrl('/health')).toBe('/health')
  })
})

describe('SampledLog', () => {
  it('writes the first occurrence of each interval with the count left unlogged before it', () => {
    let now = 0
    const log = new SampledLog(1_000, () => now)
    const written: number[] = []
    for (let i = 0; i < 5; i++) {
      log.note((unlogged) => written.push(unlogged))
      now += 300
    }
    // t=0 written (0 before it); 300, 600, 900 counted; 1200 written with those 3.
    expect(written).toEqual([0, 3])
    now = 5_000
    log.note((unlogged) => written.push(unlogged))
    expect(written).toEqual([0, 3, 0])
  })
})

describe('OutageNotice', () => {
  it('warns at the first failure of an outage, and reports the count once it ends', () => {
    const notice = new OutageNotice()
    const said: string[] = []
    expect(notice.up(() => said.push('up'))).toBe(false)
    expect(notice.active).toBe(false)
    const firsts = [1, 2, 3].map(() => notice.down(() => said.push('down')))
    expect(firsts).toEqual([true, false, false])
    expect(notice.active).toBe(true)
    expect(notice.up((failures) => said.push(`up after ${failures}`))).toBe(true)
    expect(notice.active).toBe(false)
    notice.down(() => said.push('down again'))
    expect(said).toEqual(['down', 'up after 3', 'down again'])
  })
})
