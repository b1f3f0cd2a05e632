/**
 * The content pipeline's admin endpoints and the public round queue (contracts/content.ts),
 * injected into the one API slice. The lists are asked for by state; the live feed
 * (useMemeEvents.ts) and every review action then keep them current through
 * `memeViewReceived`, which moves a changed meme between the lists without asking again. The
 * round queue has no stream of its own: whatever changes it refetches it.
 */
import type { ThunkAction, ThunkDispatch, UnknownAction } from '@reduxjs/toolkit'
import { useDispatch } from 'react-redux'
import type {
  AdminMemesResponse,
  AdminMemeView,
  RejectBody,
  RoundQueueResponse,
} from '../../../../contracts/content.ts'
import { api } from '../../app/api.ts'
import { affectsRoundQueue, isOlderCopy, type MemeListArg, mergeMeme } from './memeCache.ts'

/** More than a day of uploads for one admin team; older memes are found through their state. */
export const MEME_LIST_LIMIT = 50

export interface RejectRequest extends RejectBody {
  id: string
}

function memePath(id: string, action?: 'approve' | 'reject' | 'retry'): string {
  const base = `api/v1/admin/memes/${encodeURIComponent(id)}`
  return action ? `${base}/${action}` : base
}

export const contentApi = api
  .enhanceEndpoints({ addTagTypes: ['AdminMemes', 'RoundQueue'] })
  .injectEndpoints({
    endpoints: (build) => ({
      getAdminMemes: build.query<AdminMemesResponse, MemeListArg>({
        query: ({ state }) => ({
          url: 'api/v1/admin/memes',
          params: state ? { state, limit: MEME_LIST_LIMIT } : { limit: MEME_LIST_LIMIT },
        }),
        // Admin only: signing in or out asks again (and a non-admin gets FORBIDDEN).
        providesTags: ['Session', 'AdminMemes'],
      }),
      getAdminMeme: build.query<AdminMemeView, string>({
        query: (id) => memePath(id),
        providesTags: ['Session', 'AdminMemes'],
      }),
      getRoundQueue: build.query<RoundQueueResponse, void>({
        query: () => 'api/v1/memes/queue',
        providesTags: ['RoundQueue'],
      }),
      memeApproved: build.mutation<AdminMemeView, string>({
        query: (id) => ({ url: memePath(id, 'approve'), method: 'POST' }),
        onQueryStarted: (_arg, { dispatch, queryFulfilled }) => mergeAnswer(queryFulfilled, dispatch),
      }),
      memeRejected: build.mutation<AdminMemeView, RejectRequest>({
        query: ({ id, reason }) => ({ url: memePath(id, 'reject'), method: 'POST', body: { reason } }),
        onQueryStarted: (_arg, { dispatch, queryFulfilled }) => mergeAnswer(queryFulfilled, dispatch),
      }),
      retryRequested: build.mutation<AdminMemeView, string>({
        query: (id) => ({ url: memePath(id, 'retry'), method: 'POST' }),
        onQueryStarted: (_arg, { dispatch, queryFulfilled }) => mergeAnswer(queryFulfilled, dispatch),
      }),
    }),
  })

/**
 * A review action answers with the meme as it now is; that is merged like any other change. A
 * failure reaches the caller of the mutation, and then there is nothing to merge. The thunk's
 * state is left open (never): endpoints cannot name the store type while being defined by it.
 */
function mergeAnswer(
  queryFulfilled: Promise<{ data: AdminMemeView }>,
  dispatch: (thunk: ThunkAction<void, never, unknown, UnknownAction>) => void,
): Promise<void> {
  return queryFulfilled.then(
    ({ data }) => dispatch(memeViewReceived(data)),
    () => undefined,
  )
}

export const {
  useGetAdminMemesQuery,
  useGetAdminMemeQuery,
  useGetRoundQueueQuery,
  useMemeApprovedMutation,
  useMemeRejectedMutation,
  useRetryRequestedMutation,
} = contentApi

/**
 * The store as these endpoints see it. The app's RootState is typed from the base slice alone,
 * so it does not know endpoints injected later, though at run time the same store holds them.
 */
export type ContentState = Parameters<typeof contentApi.util.selectCachedArgsForQuery>[0]
export type ContentDispatch = ThunkDispatch<ContentState, unknown, UnknownAction>

/** useAppDispatch, typed to accept this feature's cache updates. */
export const useContentDispatch = useDispatch.withTypes<ContentDispatch>()

/**
 * A meme as it now is, from any source, merged into every list and detail the app holds. It is
 * dropped when any cached copy is newer: the stream and a response can cross, and a stale copy
 * would otherwise re-enter the list of a state the meme has already left.
 */
export function memeViewReceived(
  meme: AdminMemeView,
): ThunkAction<void, ContentState, unknown, UnknownAction> {
  return (dispatch, getState) => {
    const state = getState()
    const listArgs = contentApi.util.selectCachedArgsForQuery(state, 'getAdminMemes')
    const held = [
      ...listArgs.flatMap((arg) => contentApi.endpoints.getAdminMemes.select(arg)(state).data?.memes ?? []),
      contentApi.endpoints.getAdminMeme.select(meme.id)(state).data,
    ].filter((copy) => copy?.id === meme.id)
    if (held.some((copy) => copy && isOlderCopy(meme, copy))) return
    for (const arg of listArgs) {
      dispatch(
        contentApi.util.updateQueryData('getAdminMemes', arg, (draft) => {
          draft.memes = mergeMeme(draft.memes, meme, arg, MEME_LIST_LIMIT)
        }),
      )
    }
    dispatch(contentApi.util.updateQueryData('getAdminMeme', meme.id, () => meme))
    if (affectsRoundQueue(meme)) dispatch(contentApi.util.invalidateTags(['RoundQueue']))
  }
}
