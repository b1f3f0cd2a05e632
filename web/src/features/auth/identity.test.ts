/** Proves how identities are shortened for the header and which one a user is shown by. */
import { describe, expect, test } from 'vitest'
import { identityOf, shortenIdentity } from './identity.ts'

describe('identity', () => {
  test('long values keep both ends; short ones are left alone', () => {
    expect(shortenIdentity('1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH')).toBe('1BgGZ9…SAMH')
    expect(shortenIdentity('02abcdef')).toBe('02abcdef')
  })

  test('the address comes first, then the identity key', () => {
    expect(identityOf({ id: 'u1', address: '1Abc', identityKey: '02ff' })).toBe('1Abc')
    expect(identityOf({ id: 'u1', address: null, identityKey: '02ff' })).toBe('02ff')
  })
})
