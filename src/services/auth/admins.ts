/**
 * Admins named in the configuration (ADMINS): wallet addresses or identity keys. The list is
 * consulted whenever a session is resolved rather than copied into the users table, so removing
 * someone from ADMINS takes their admin rights away at their next request.
 *
 * Keys are hex and compared without regard to case. Addresses are Base58Check, where case is
 * part of the value, so they are compared exactly, against the address of the user's key on
 * mainnet and on testnet: an admin may be named by either form.
 */
import { PublicKey } from '@bsv/sdk'

const IDENTITY_KEY_SHAPE = /^0[23][0-9a-f]{64}$/i

export interface AdminCandidate {
  identityKey: string | null
  address: string | null
}

export class AdminList {
  private readonly keys = new Set<string>()
  private readonly addresses = new Set<string>()

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      if (IDENTITY_KEY_SHAPE.test(entry)) this.keys.add(entry.toLowerCase())
      else this.addresses.add(entry)
    }
  }

  includes(user: AdminCandidate): boolean {
    if (user.identityKey !== null && this.keys.has(user.identityKey.toLowerCase())) return true
    if (user.address !== null && this.addresses.has(user.address)) return true
    if (user.identityKey === null || this.addresses.size === 0) return false
    const key = PublicKey.fromString(user.identityKey)
    return this.addresses.has(key.toAddress('mainnet')) || this.addresses.has(key.toAddress('testnet'))
  }
}
