/**
 * What pays for anchors: an address whose outputs fund the anchor transaction (change goes back
 * to it) and the means to sign for them. The platform's hot wallet will implement this; until it
 * exists, `keyFunder` wraps a single private key.
 */
import { P2PKH, type PrivateKey, type ScriptTemplateUnlock } from '@bsv/sdk'
import type { ChainNetwork } from '../../adapters/chain/source.ts'

export interface AnchorFunder {
  /** A P2PKH address on the chain's network. */
  readonly address: string
  /** The unlocking template for an input spending one of the address's outputs. */
  unlock(): ScriptTemplateUnlock
}

export function keyFunder(key: PrivateKey, network: ChainNetwork): AnchorFunder {
  // The devnet accepts either prefix; main-network prefixes keep its addresses like production's.
  const address = key.toAddress(network === 'test' ? 'testnet' : 'mainnet')
  return { address, unlock: () => new P2PKH().unlock(key) }
}
