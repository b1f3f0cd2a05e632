/**
 * GET /api/v1/proofs/transfers/:id: the Merkle proof that a ledger transfer is in an anchored
 * period, with the anchor transaction and, once it is confirmed, the chain's proof of that
 * transaction in its block (contracts/proofs.ts). Records name accounts, so a signed-in user sees
 * the transfers touching their own account and admins see all; anyone else's transfer answers
 * 404 like a missing one.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { TransferProof, TransferProofParams } from '../../../contracts/proofs.ts'
import { userAccountId } from '../../ledger/accounts.ts'
import type { AnchoringService, ProofViewer } from '../../services/anchoring/anchoring.service.ts'
import { requireUser } from '../auth/plugin.ts'
import { AppError } from '../errors.ts'
import { ERROR_RESPONSES } from '../openapi.ts'

export interface ProofRoutesOptions {
  anchoring: Pick<AnchoringService, 'transferProof'>
}

export function proofRoutes({ anchoring }: ProofRoutesOptions): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/proofs/transfers/:id',
      {
        config: { auth: 'user' },
        schema: {
          tags: ['proofs'],
          summary: 'The Merkle proof of a ledger transfer and the on-chain anchor that holds its root.',
          params: TransferProofParams,
          response: { 200: TransferProof, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const user = requireUser(request)
        const viewer: ProofViewer =
          user.role === 'admin' ? { role: 'admin' } : { role: 'user', accountIds: [userAccountId(user.id)] }
        const result = await anchoring.transferProof(request.params.id, viewer)
        if (result.status === 'not_found')
          throw new AppError('NOT_FOUND', { details: { transferId: request.params.id } })
        if (result.status === 'not_anchored') {
          throw new AppError('NOT_ANCHORED_YET', { details: { transferId: request.params.id } })
        }
        return result.proof
      },
    )
  }
}
