/**
 * The one RTK Query API slice: every piece of server data the app shows comes through here, so
 * caching, polling and refetching behave the same everywhere. Features add their endpoints with
 * `api.injectEndpoints` in their own folder; the system endpoints live here because the app
 * shell itself (footer, admin health) needs them on every page.
 */
import { createApi, fetchBaseQuery } from '@reduxjs/toolkit/query/react'
import type { InfoResponse, ReadyResponse } from '../../../contracts/system.ts'

/** How often the footer re-asks the server whether it is ready. */
export const READY_POLL_INTERVAL_MS = 10_000

/** /ready answers 503 with a full ReadyResponse when a dependency is down; that is data, not failure. */
function isReadinessReport(body: unknown): body is ReadyResponse {
  return typeof body === 'object' && body !== null && 'status' in body && 'checks' in body
}

export const api = createApi({
  reducerPath: 'api',
  baseQuery: fetchBaseQuery({ baseUrl: '/' }),
  // 'Session': everything that depends on who is signed in; signing in or out invalidates it.
  tagTypes: ['Session'],
  endpoints: (build) => ({
    getInfo: build.query<InfoResponse, void>({
      query: () => 'api/v1/info',
    }),
    getReady: build.query<ReadyResponse, void>({
      query: () => ({
        url: 'ready',
        validateStatus: (response, body) =>
          response.ok || (response.status === 503 && isReadinessReport(body)),
      }),
    }),
  }),
})

export const { useGetInfoQuery, useGetReadyQuery } = api

/** Readiness as every component shows it: polled, so a server that recovers turns green by itself. */
export function useReadiness() {
  return useGetReadyQuery(undefined, { pollingInterval: READY_POLL_INTERVAL_MS })
}
