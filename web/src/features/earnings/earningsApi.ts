/**
 * The signed-in user's earnings (contracts/rounds.ts EarningsResponse), injected into the one API
 * slice. Earnings grow with every flush of a meme's views and every settled round; a new block
 * (the `blocks` channel) refetches them, and so does a notification on the user's channel.
 */
import type { EarningsResponse } from '../../../../contracts/rounds.ts'
import { api } from '../../app/api.ts'

export const earningsApi = api.enhanceEndpoints({ addTagTypes: ['Earnings'] }).injectEndpoints({
  endpoints: (build) => ({
    getEarnings: build.query<EarningsResponse, void>({
      query: () => 'api/v1/me/earnings',
      providesTags: ['Session', 'Earnings'],
    }),
  }),
})

export const { useGetEarningsQuery } = earningsApi
