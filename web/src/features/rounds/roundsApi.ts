/**
 * Rounds as the API serves them (contracts/rounds.ts), injected into the one API slice: the
 * round in progress, past rounds for the block timeline and the history, one round in full, and
 * the split log of a meme in a round. The round in progress is kept current by the `round`
 * channel (`roundViewReceived`); a new block on the `blocks` channel refetches the rest
 * (`blockFound`), since it closes one round, opens the next and later settles the closed one.
 */
import type { ThunkAction, ThunkDispatch, UnknownAction } from '@reduxjs/toolkit'
import { useDispatch } from 'react-redux'
import type {
  CurrentRoundResponse,
  RoundsResponse,
  RoundView,
  SplitLogResponse,
} from '../../../../contracts/rounds.ts'
import { api } from '../../app/api.ts'

/** Past blocks on the live page's timeline: enough to fill a wide screen. */
export const TIMELINE_BLOCKS = 8
/** Rounds per page of the history. */
export const HISTORY_PAGE_SIZE = 20
/** While the live feed is down, the round in progress is asked for this often instead. */
export const ROUND_POLL_INTERVAL_MS = 5_000

export interface SplitLogArg {
  height: number
  memeId: string
}

export const roundsApi = api
  .enhanceEndpoints({ addTagTypes: ['CurrentRound', 'Rounds', 'Round'] })
  .injectEndpoints({
    endpoints: (build) => ({
      getCurrentRound: build.query<CurrentRoundResponse, void>({
        query: () => 'api/v1/rounds/current',
        providesTags: ['CurrentRound'],
      }),
      getRecentRounds: build.query<RoundsResponse, number>({
        query: (limit) => ({ url: 'api/v1/rounds', params: { limit } }),
        providesTags: ['Rounds'],
      }),
      /** Newest first; each further page starts below the lowest height of the one above it. */
      getRoundHistory: build.infiniteQuery<RoundsResponse, void, number | null>({
        query: ({ pageParam: before }) => ({
          url: 'api/v1/rounds',
          params: before === null ? { limit: HISTORY_PAGE_SIZE } : { limit: HISTORY_PAGE_SIZE, before },
        }),
        infiniteQueryOptions: {
          initialPageParam: null,
          getNextPageParam: (lastPage) => {
            const lowest = lastPage.rounds.at(-1)?.height
            if (lastPage.rounds.length < HISTORY_PAGE_SIZE || lowest === undefined || lowest === 0) return
            return lowest
          },
        },
        providesTags: ['Rounds'],
      }),
      getRound: build.query<RoundView, number>({
        query: (height) => `api/v1/rounds/${height}`,
        providesTags: (_result, _error, height) => [{ type: 'Round', id: height }],
      }),
      getSplitLog: build.query<SplitLogResponse, SplitLogArg>({
        query: ({ height, memeId }) => `api/v1/rounds/${height}/memes/${encodeURIComponent(memeId)}/splits`,
        providesTags: (_result, _error, { height }) => [{ type: 'Round', id: height }],
      }),
    }),
  })

export const {
  useGetCurrentRoundQuery,
  useGetRecentRoundsQuery,
  useGetRoundHistoryInfiniteQuery,
  useGetRoundQuery,
  useGetSplitLogQuery,
} = roundsApi

/** The store as these endpoints see it (see contentApi.ts for why it is not RootState). */
export type RoundsState = Parameters<typeof roundsApi.util.selectCachedArgsForQuery>[0]
export type RoundsDispatch = ThunkDispatch<RoundsState, unknown, UnknownAction>
export const useRoundsDispatch = useDispatch.withTypes<RoundsDispatch>()

/**
 * The round in progress as the `round` channel sent it. It replaces the cached one; when it is
 * another round than the one held (a block was found), the timeline and the history are asked
 * for again, since the round that closed is now one of them.
 */
export function roundViewReceived(
  round: RoundView | null,
): ThunkAction<void, RoundsState, unknown, UnknownAction> {
  return (dispatch, getState) => {
    const held = roundsApi.endpoints.getCurrentRound.select()(getState()).data
    if (held === undefined) {
      // The channel answered before the first request did: its state is as good.
      dispatch(
        roundsApi.util.upsertQueryData('getCurrentRound', undefined, {
          round,
          serverTime: new Date().toISOString(),
        }),
      )
      return
    }
    dispatch(
      roundsApi.util.updateQueryData('getCurrentRound', undefined, (draft) => {
        draft.round = round
      }),
    )
    if (held.round?.height !== round?.height) dispatch(roundsApi.util.invalidateTags(['Rounds']))
  }
}

/**
 * A new block: the timeline, the history and every round held (the one it closed is settled
 * next) are asked for again. The round in progress comes on its own channel.
 */
export function blockFound(): ThunkAction<void, RoundsState, unknown, UnknownAction> {
  return (dispatch) => {
    dispatch(roundsApi.util.invalidateTags(['Rounds', 'Round']))
  }
}
