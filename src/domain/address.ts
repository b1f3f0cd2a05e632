/**
 * BSV pay-to-public-key-hash addresses: Base58Check of one version byte and a 20-byte key hash.
 * Version 0x00 is the main network's, 0x6f the test network's. The local devnet accepts both
 * forms (it indexes outputs by key hash), so an address is valid for it in either form.
 */
import { Utils } from '@bsv/sdk'
import type { ChainNetwork } from '../adapters/chain/source.ts'

export const MAINNET_P2PKH_VERSION = 0x00
export const TESTNET_P2PKH_VERSION = 0x6f
const PUBKEY_HASH_BYTES = 20
/** Base58 text of 25 bytes is 25 to 35 characters long. */
const ADDRESS_PATTERN = /^[1-9A-HJ-NP-Za-km-z]{25,35}$/

export interface ParsedAddress {
  version: typeof MAINNET_P2PKH_VERSION | typeof TESTNET_P2PKH_VERSION
  pubKeyHash: number[]
}

/** The version and key hash of a P2PKH address of either network, or undefined when the text is not one. */
export function parseP2pkhAddress(address: string): ParsedAddress | undefined {
  if (!ADDRESS_PATTERN.test(address)) return undefined
  try {
    const { prefix, data } = Utils.fromBase58Check(address)
    const version = (prefix as number[])[0]
    if (prefix.length !== 1 || (version !== MAINNET_P2PKH_VERSION && version !== TESTNET_P2PKH_VERSION)) {
      return undefined
    }
    if (data.length !== PUBKEY_HASH_BYTES) return undefined
    return { version, pubKeyHash: [...(data as number[])] }
  } catch {
    return undefined
  }
}

export type AddressCheck = 'ok' | 'malformed' | 'wrong_network'

/** Whether coins sent to `address` would arrive on `network`. */
export function checkAddressForNetwork(address: string, network: ChainNetwork): AddressCheck {
  const parsed = parseP2pkhAddress(address)
  if (!parsed) return 'malformed'
  if (network === 'devnet') return 'ok'
  const expected = network === 'main' ? MAINNET_P2PKH_VERSION : TESTNET_P2PKH_VERSION
  return parsed.version === expected ? 'ok' : 'wrong_network'
}
