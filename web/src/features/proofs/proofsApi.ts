/**
 * Proofs of anchored ledger transfers (contracts/proofs.ts), injected into the one API slice. A
 * transfer is anchored with the block after it; until then the server answers NOT_ANCHORED_YET,
 * and after that the anchor transaction still has to be confirmed. The proof is asked for again
 * until both have happened, so an open proof page completes by itself.
 */
import type { TransferProof } from '../../../../contracts/proofs.ts'
import { api } from '../../app/api.ts'
import { toDisplayError } from '../../components/errorMessages.ts'

/** Blocks come minutes apart on the real network, seconds apart on the devnet; 5 s suits both. */
export const PROOF_POLL_INTERVAL_MS = 5_000

export const proofsApi = api.injectEndpoints({
  endpoints: (build) => ({
    getTransferProof: build.query<TransferProof, string>({
      query: (transferId) => `api/v1/proofs/transfers/${encodeURIComponent(transferId)}`,
      // Only the account's own transfers have proofs to see: signing in or out asks again.
      providesTags: ['Session'],
    }),
  }),
})

export const { useGetTransferProofQuery } = proofsApi

/** Where the app shows the proof of a transfer. */
export function transferProofPath(transferId: string): string {
  return `/proofs/transfers/${encodeURIComponent(transferId)}`
}

/** The proof, polled while it is not anchored yet or its anchor is not yet in a block. */
export function useTransferProof(transferId: string) {
  const { data, error } = proofsApi.endpoints.getTransferProof.useQueryState(transferId)
  const waiting = data
    ? data.anchor.state !== 'confirmed'
    : error === undefined || toDisplayError(error).code === 'NOT_ANCHORED_YET'
  return useGetTransferProofQuery(transferId, { pollingInterval: waiting ? PROOF_POLL_INTERVAL_MS : 0 })
}
