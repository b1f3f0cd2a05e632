/**
 * Wallet sign-in endpoints (contracts/auth.ts), injected into the one API slice. The session
 * itself is an HttpOnly cookie the app never sees; `me` is how the app learns who is signed in.
 * Everything that depends on the user provides the 'Session' tag, so signing in or out refetches
 * it all.
 */
import type { ChallengeResponse, LoginRequest, SessionResponse } from '../../../../contracts/auth.ts'
import { api } from '../../app/api.ts'

const HTTP_UNAUTHORIZED = 401

/**
 * The result of a request started elsewhere, or null if it failed. The failure itself reaches
 * the caller of the mutation; here it only means there is nothing to update.
 */
async function settled<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request
  } catch {
    return null
  }
}

export const authApi = api.injectEndpoints({
  endpoints: (build) => ({
    /** The signed-in session, or null when there is none: being signed out is a state, not a failure. */
    me: build.query<SessionResponse | null, void>({
      query: () => ({
        url: 'api/v1/auth/me',
        validateStatus: (response) => response.ok || response.status === HTTP_UNAUTHORIZED,
      }),
      transformResponse: (body: SessionResponse, meta) =>
        meta?.response?.status === HTTP_UNAUTHORIZED ? null : body,
      providesTags: ['Session'],
    }),
    /** A mutation, not a query: every challenge is single-use, so none may ever come from a cache. */
    getChallenge: build.mutation<ChallengeResponse, void>({
      query: () => ({ url: 'api/v1/auth/challenge', method: 'POST' }),
    }),
    login: build.mutation<SessionResponse, LoginRequest>({
      query: (body) => ({ url: 'api/v1/auth/login', method: 'POST', body }),
      // Everything tied to the user refetches; useSignIn puts the new session in place first.
      invalidatesTags: (_result, error) => (error ? [] : ['Session']),
    }),
    logout: build.mutation<void, void>({
      query: () => ({ url: 'api/v1/auth/logout', method: 'POST' }),
      async onQueryStarted(_arg, { dispatch, queryFulfilled }) {
        // Signed out at once, so that what only a signed-in user sees (the header's balance and
        // bell) is gone before the session is: it would otherwise refetch and be refused (401).
        const previous = dispatch(authApi.util.updateQueryData('me', undefined, () => null))
        if (!(await settled(queryFulfilled))) {
          previous.undo()
          return
        }
        await dispatch(authApi.util.upsertQueryData('me', undefined, null))
        await new Promise((resolve) => setTimeout(resolve, 0))
        dispatch(authApi.util.invalidateTags(['Session']))
      },
    }),
  }),
})

export const { useMeQuery, useGetChallengeMutation, useLoginMutation, useLogoutMutation } = authApi
