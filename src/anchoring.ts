/**
 * Starts anchoring where it can run: each new block closes a period, whose ledger records are
 * anchored in one OP_RETURN transaction (SPEC 3). The platform's hot wallet will fund anchors on
 * every network; until it exists, anchoring runs on the devnet only, funded by a key made at
 * start and paid by the devnet faucet, and off the devnet it is not started (and the proofs
 * route is not served).
 */
import { PrivateKey } from '@bsv/sdk'
import type { Bus } from './adapters/bus/bus.ts'
import type { Db } from './adapters/db/database.ts'
import type { Chain } from './chain.ts'
import type { ApiRoutes } from './http/app.ts'
import { proofRoutes } from './http/routes/proofs.ts'
import type { AppLogger } from './logger.ts'
import {
  AnchoringService,
  DEFAULT_ANCHOR_FEE_RATE_SATS_PER_KB,
} from './services/anchoring/anchoring.service.ts'
import { AnchorsRepository } from './services/anchoring/anchors.repository.ts'
import { keyFunder } from './services/anchoring/funder.ts'

/** Sats the devnet faucet gives the anchor funder at start: thousands of anchors at 0.1 sat/byte. */
const DEVNET_ANCHOR_FUNDING_SATS = 10_000_000

export async function startAnchoring(deps: {
  chain: Chain
  db: Db
  bus: Bus
  logger: AppLogger
}): Promise<ApiRoutes[]> {
  const { chain, db, bus } = deps
  if (!chain.devnet) return []
  const log = deps.logger.child({ component: 'anchoring' })
  const funder = keyFunder(PrivateKey.fromRandom(), 'devnet')
  const paid = await chain.devnet.faucet(funder.address, DEVNET_ANCHOR_FUNDING_SATS)
  if (paid.status !== 'ok') throw new Error(`the devnet faucet refused the anchor funder: ${paid.status}`)
  const anchoring = new AnchoringService({
    anchors: new AnchorsRepository(db.kysely),
    chain: chain.source,
    funder,
    feeRateSatsPerKb: DEFAULT_ANCHOR_FEE_RATE_SATS_PER_KB,
  })
  // One pass at a time, in block order; a failure is logged and the next block tries again.
  let queue = Promise.resolve()
  bus.subscribe('chain.block', (block) => {
    queue = queue
      .then(async () => {
        const outcome = await anchoring.anchorPeriod({ kind: 'block', key: block.height })
        if (outcome.status !== 'nothing_to_anchor' && outcome.status !== 'anchored') {
          log.warn(
            { height: block.height, outcome: outcome.status, anchorId: outcome.anchor.id },
            'anchor not sent',
          )
        }
        await anchoring.refresh()
      })
      .catch((error: unknown) => log.error({ err: error, height: block.height }, 'anchoring failed'))
  })
  return [proofRoutes({ anchoring })]
}
