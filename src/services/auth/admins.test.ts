/**
 * Proves how ADMINS entries match users: identity keys without regard to case, addresses exactly,
 * and an address entry also matches a user known only by identity key (mainnet or testnet form).
 */
import { PrivateKey } from '@bsv/sdk'
import { describe, expect, it } from 'vitest'
import { AdminList } from './admins.ts'

const pub = PrivateKey.fromRandom().toPublicKey()
const key = pub.toString()

describe('AdminList', () => {
  it('matches identity keys case-insensitively', () => {
    const admins = new AdminList([key.toUpperCase()])
    expect(admins.includes({ identityKey: key, address: null })).toBe(true)
    expect(
      admins.includes({ identityKey: PrivateKey.fromRandom().toPublicKey().toString(), address: null }),
    ).toBe(false)
  })

  it('matches addresses exactly, also through the identity key in either network form', () => {
    for (const address of [pub.toAddress(), pub.toAddress('testnet')]) {
      const admins = new AdminList([address])
      expect(admins.includes({ identityKey: null, address })).toBe(true)
      expect(admins.includes({ identityKey: key, address: null })).toBe(true)
    }
    expect(new AdminList([pub.toAddress().toLowerCase()]).includes({ identityKey: key, address: null })).toBe(
      false,
    )
  })

  it('matches nobody when empty', () => {
    expect(new AdminList([]).includes({ identityKey: key, address: pub.toAddress() })).toBe(false)
  })
})
