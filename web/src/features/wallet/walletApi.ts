/**
 * The signed-in user's wallet (contracts/wallet.ts) and the devnet faucet, injected into the one
 * API slice. The wallet provides the 'Session' tag, so signing in or out refetches it; a faucet
 * payment refetches it too, so the new deposit shows as soon as the server has seen it.
 */
import type { WalletResponse } from '../../../../contracts/wallet.ts'
import { api } from '../../app/api.ts'

/** A deposit's confirmations change once a block; 5 s shows a credit soon after it happens. */
export const WALLET_POLL_INTERVAL_MS = 5_000

export interface FaucetRequest {
  address: string
  satoshis: number
}

export interface FaucetResponse {
  txid: string
}

export const walletApi = api.injectEndpoints({
  endpoints: (build) => ({
    getWallet: build.query<WalletResponse, void>({
      query: () => 'api/v1/wallet',
      providesTags: ['Session'],
    }),
    faucetRequested: build.mutation<FaucetResponse, FaucetRequest>({
      query: (body) => ({ url: 'api/v1/devnet/faucet', method: 'POST', body }),
      invalidatesTags: (_result, error) => (error ? [] : ['Session']),
    }),
  }),
})

export const { useGetWalletQuery, useFaucetRequestedMutation } = walletApi

/** The wallet as the page shows it: polled while mounted, so pending deposits turn credited by themselves. */
export function useWallet() {
  return useGetWalletQuery(undefined, { pollingInterval: WALLET_POLL_INTERVAL_MS })
}
