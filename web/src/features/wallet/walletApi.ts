/**
 * The signed-in user's wallet (contracts/wallet.ts), withdrawals and history
 * (contracts/withdrawals.ts) and the devnet faucet, injected into the one API slice. The user's
 * data provides the 'Session' tag, so signing in or out refetches it; a faucet payment refetches
 * it too, so the new deposit shows as soon as the server has seen it. A withdrawal changes the
 * balance, the withdrawals and the history at once, so it refetches exactly those three (tags
 * this feature adds to the slice).
 */
import type { ThunkAction, ThunkDispatch, UnknownAction } from '@reduxjs/toolkit'
import { useDispatch } from 'react-redux'
import type { WalletResponse } from '../../../../contracts/wallet.ts'
import type {
  HistoryKind,
  HistoryResponse,
  WithdrawalQuote,
  WithdrawalRequestBody,
  WithdrawalsResponse,
  WithdrawalView,
} from '../../../../contracts/withdrawals.ts'
import { api } from '../../app/api.ts'
import { isWithdrawalFinal } from './withdrawalStatus.ts'

/** A deposit's confirmations change once a block; 5 s shows a credit soon after it happens. */
export const WALLET_POLL_INTERVAL_MS = 5_000
/** One page of history: a screenful of movements, well under the server's limit of 100. */
export const HISTORY_PAGE_SIZE = 25

export interface FaucetRequest {
  address: string
  satoshis: number
}

export interface FaucetResponse {
  txid: string
}

export interface QuoteRequest {
  amountSats: number
  /** Checked by the server when given, so the preview can report an address it will refuse. */
  address?: string | undefined
}

export const walletApi = api
  .enhanceEndpoints({ addTagTypes: ['Wallet', 'Withdrawals', 'History'] })
  .injectEndpoints({
    endpoints: (build) => ({
      getWallet: build.query<WalletResponse, void>({
        query: () => 'api/v1/wallet',
        providesTags: ['Session', 'Wallet'],
      }),
      faucetRequested: build.mutation<FaucetResponse, FaucetRequest>({
        query: (body) => ({ url: 'api/v1/devnet/faucet', method: 'POST', body }),
        invalidatesTags: (_result, error) => (error ? [] : ['Session']),
      }),
      getWithdrawals: build.query<WithdrawalsResponse, void>({
        query: () => 'api/v1/wallet/withdrawals',
        providesTags: ['Session', 'Withdrawals'],
      }),
      getWithdrawalQuote: build.query<WithdrawalQuote, QuoteRequest>({
        query: ({ amountSats, address }) => ({
          url: 'api/v1/wallet/withdrawals/quote',
          params: address ? { amountSats, address } : { amountSats },
        }),
      }),
      withdrawalRequested: build.mutation<WithdrawalView, WithdrawalRequestBody>({
        query: (body) => ({ url: 'api/v1/wallet/withdrawals', method: 'POST', body }),
        invalidatesTags: (_result, error) => (error ? [] : ['Wallet', 'Withdrawals', 'History']),
      }),
      /** Newest first; each further page starts before the last seq of the one above it. */
      getHistory: build.infiniteQuery<HistoryResponse, HistoryKind, number | null>({
        query: ({ queryArg: kind, pageParam: beforeSeq }) => ({
          url: 'api/v1/wallet/history',
          params: { kind, limit: HISTORY_PAGE_SIZE, ...(beforeSeq === null ? {} : { beforeSeq }) },
        }),
        infiniteQueryOptions: {
          initialPageParam: null,
          getNextPageParam: (lastPage) => lastPage.nextBeforeSeq,
        },
        providesTags: ['Session', 'History'],
      }),
    }),
  })

export const {
  useGetWalletQuery,
  useFaucetRequestedMutation,
  useGetWithdrawalsQuery,
  useGetWithdrawalQuoteQuery,
  useLazyGetWithdrawalQuoteQuery,
  useWithdrawalRequestedMutation,
  useGetHistoryInfiniteQuery,
} = walletApi

/** The wallet as the page shows it: polled while mounted, so pending deposits turn credited by themselves. */
export function useWallet() {
  return useGetWalletQuery(undefined, { pollingInterval: WALLET_POLL_INTERVAL_MS })
}

/** The withdrawals, polled only while one of them is still on its way to a final state. */
export function useWithdrawals() {
  const { data } = walletApi.endpoints.getWithdrawals.useQueryState(undefined)
  const moving = data?.withdrawals.some((withdrawal) => !isWithdrawalFinal(withdrawal.state)) ?? false
  return useGetWithdrawalsQuery(undefined, { pollingInterval: moving ? WALLET_POLL_INTERVAL_MS : 0 })
}

/**
 * The history of one kind, polled like the wallet: every movement changes the balance the
 * wallet shows, and the list should show the movement at the same moment. A refetch reloads
 * each page already shown, from the newest, so the pages always meet without gaps.
 */
export function useHistory(kind: HistoryKind) {
  return useGetHistoryInfiniteQuery(kind, { pollingInterval: WALLET_POLL_INTERVAL_MS })
}

/** The store as these endpoints see it (see contentApi.ts for why it is not RootState). */
export type WalletState = Parameters<typeof walletApi.util.selectCachedArgsForQuery>[0]
export type WalletDispatch = ThunkDispatch<WalletState, unknown, UnknownAction>
export const useWalletDispatch = useDispatch.withTypes<WalletDispatch>()

/** A `balance` event of the user's channel (contracts/rounds.ts UserEvent). */
export interface BalanceEvent {
  balanceSats: number
  availableSats: number
}

/**
 * The balance as the user's channel sent it, into the cached wallet, so the header and the
 * wallet page move with every flush of watching instead of at the next poll. The ledger's balance
 * counts what open holds reserve; available is what is left, so the held part is the difference.
 * Pending deposits are not in the event and stay as last fetched.
 */
export function balanceReceived(
  balance: BalanceEvent,
): ThunkAction<void, WalletState, unknown, UnknownAction> {
  return (dispatch) => {
    dispatch(
      walletApi.util.updateQueryData('getWallet', undefined, (draft) => {
        draft.balance.availableSats = balance.availableSats
        draft.balance.heldSats = Math.max(0, balance.balanceSats - balance.availableSats)
      }),
    )
  }
}
