/**
 * Starts anchoring: each new block closes a period, whose ledger records are anchored in one
 * OP_RETURN transaction (SPEC 3). Anchors are paid from the platform's anchoring key (m/1/1 of
 * the master key), apart from the hot wallet that holds users' money. On the devnet the faucet
 * tops it up at start; on other networks the operator funds its address (logged at start), and
 * until then each period's anchor waits, recorded, and is sent once there are coins.
 * Given a leader elector, only the leader anchors (its token fences the service); every node
 * serves the proofs.
 */
import type { Bus } from './adapters/bus/bus.ts'
import { type BlockHeader, ChainError } from './adapters/chain/source.ts'
import type { Db } from './adapters/db/database.ts'
import type { Chain } from './chain.ts'
import type { ApiRoutes } from './http/app.ts'
import { proofRoutes } from './http/routes/proofs.ts'
import type { AppLogger } from './logger.ts'
import { AnchoringService } from './services/anchoring/anchoring.service.ts'
import { AnchorsRepository } from './services/anchoring/anchors.repository.ts'
import { keyFunder } from './services/anchoring/funder.ts'
import type { LeaderElector } from './services/leader/leader.ts'
import type { WalletKeys } from './services/wallet/keys.ts'

/** Sats the devnet faucet gives the anchoring key when it has less: thousands of anchors at 0.1 sat/byte. */
const DEVNET_ANCHOR_FUNDING_SATS = 10_000_000

export async function startAnchoring(deps: {
  chain: Chain
  db: Db
  bus: Bus
  keys: WalletKeys
  feeRateSatsPerKb: number
  logger: AppLogger
  /** Anchors only while this node leads (a fleet); without it, always. */
  leader?: LeaderElector
}): Promise<ApiRoutes[]> {
  const { chain, db, bus } = deps
  const log = deps.logger.child({ component: 'anchoring' })
  const funder = keyFunder(deps.keys.anchorPrivateKey(), chain.source.network)
  const balanceSats = await balanceOf(chain, funder.address)
  if (chain.devnet && (balanceSats ?? 0) < DEVNET_ANCHOR_FUNDING_SATS / 2) {
    const paid = await chain.devnet.faucet(funder.address, DEVNET_ANCHOR_FUNDING_SATS)
    if (paid.status !== 'ok') throw new Error(`the devnet faucet refused the anchoring key: ${paid.status}`)
  }
  log.info({ address: funder.address, balanceSats }, 'anchor transactions are paid from this address')
  const anchoring = new AnchoringService({
    anchors: new AnchorsRepository(db.kysely),
    chain: chain.source,
    funder,
    feeRateSatsPerKb: deps.feeRateSatsPerKb,
    ...(deps.leader ? { fence: deps.leader } : {}),
  })
  // One pass at a time, in block order; a failure is logged and the next block tries again.
  let queue = Promise.resolve()
  const onBlock = (block: BlockHeader) => {
    queue = queue
      .then(async () => {
        const outcome = await anchoring.anchorPeriod({ kind: 'block', key: block.height })
        if (outcome.status !== 'nothing_to_anchor' && outcome.status !== 'anchored') {
          log.warn(
            {
              height: block.height,
              outcome: outcome.status,
              anchorId: outcome.anchor.id,
              address: funder.address,
            },
            'anchor not sent',
          )
        }
        await anchoring.refresh()
      })
      .catch((error: unknown) => log.error({ err: error, height: block.height }, 'anchoring failed'))
  }
  if (deps.leader) deps.leader.duty('anchoring', () => bus.subscribe('chain.block', onBlock))
  else bus.subscribe('chain.block', onBlock)
  return [proofRoutes({ anchoring })]
}

/** The key's balance, or null when the chain cannot be asked now (start-up goes on; anchors wait). */
async function balanceOf(chain: Chain, address: string): Promise<number | null> {
  try {
    return (await chain.source.utxos(address)).reduce((sum, u) => sum + u.satoshis, 0)
  } catch (error) {
    if (error instanceof ChainError) return null
    throw error
  }
}
