/** The chain as the server follows it (contracts/chain.ts): network, newest block and sync state. */
import type { ChainStatus } from '../../../../contracts/chain.ts'
import { api } from '../../app/api.ts'

/** A new block is a 10-minute event; 5 s keeps the header current without loading the server. */
export const CHAIN_POLL_INTERVAL_MS = 5_000

export const chainApi = api.injectEndpoints({
  endpoints: (build) => ({
    getChain: build.query<ChainStatus, void>({
      query: () => 'api/v1/chain',
    }),
  }),
})

export const { useGetChainQuery } = chainApi

export function useChainStatus() {
  return useGetChainQuery(undefined, { pollingInterval: CHAIN_POLL_INTERVAL_MS })
}
