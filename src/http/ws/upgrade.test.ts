/** Reading the upgrade request: which token counts, cookies, and the Origin rule. */
import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { cookieValue, normalizeOrigins, originAllowed, presentedToken, upgradeUrl } from './upgrade.ts'

function request(url: string, headers: Record<string, string> = {}): IncomingMessage {
  return { url, headers } as unknown as IncomingMessage
}

function tokenOf(url: string, headers: Record<string, string> = {}): string | undefined {
  const incoming = request(url, headers)
  return presentedToken(incoming, upgradeUrl(incoming)!)
}

describe('presentedToken', () => {
  it('prefers the bearer header, then the query, then the cookie', () => {
    const cookie = 'mp_session=from-cookie'
    expect(tokenOf('/ws?token=from-query', { authorization: 'Bearer from-header', cookie })).toBe(
      'from-header',
    )
    expect(tokenOf('/ws?token=from-query', { cookie })).toBe('from-query')
    expect(tokenOf('/ws', { cookie })).toBe('from-cookie')
    expect(tokenOf('/ws')).toBeUndefined()
  })

  it('ignores an Authorization header of another scheme', () => {
    expect(tokenOf('/ws', { authorization: 'Basic dXNlcjpwYXNz', cookie: 'mp_session=c' })).toBe('c')
  })
})

describe('cookieValue', () => {
  it('finds the named cookie among others, trimmed and decoded', () => {
    expect(cookieValue('a=1; mp_session=abc%2Dd ; b=2', 'mp_session')).toBe('abc-d')
    expect(cookieValue('xmp_session=1', 'mp_session')).toBeUndefined()
    expect(cookieValue(undefined, 'mp_session')).toBeUndefined()
  })
})

describe('originAllowed', () => {
  const allowed = normalizeOrigins(['https://memepool.example/', 'http://localhost:5173'])

  it('accepts listed origins, a missing Origin, and anything when no list is configured', () => {
    expect(originAllowed('https://memepool.example', allowed)).toBe(true)
    expect(originAllowed('http://localhost:5173', allowed)).toBe(true)
    expect(originAllowed(undefined, allowed)).toBe(true)
    expect(originAllowed('https://evil.example', undefined)).toBe(true)
  })

  it('refuses other origins, including the same host on another scheme or port', () => {
    expect(originAllowed('https://evil.example', allowed)).toBe(false)
    expect(originAllowed('http://memepool.example', allowed)).toBe(false)
    expect(originAllowed('http://localhost:3000', allowed)).toBe(false)
    expect(originAllowed('https://evil.example', allowed, 'memepool.example')).toBe(false)
    expect(originAllowed('not a url', allowed, 'memepool.example')).toBe(false)
  })

  it("accepts a page of the server itself, whatever name it was reached by (its Origin is the request's Host)", () => {
    expect(originAllowed('http://127.0.0.1:3000', allowed, '127.0.0.1:3000')).toBe(true)
    expect(originAllowed('http://127.0.0.1:3000', allowed, '127.0.0.1:3001')).toBe(false)
  })
})
