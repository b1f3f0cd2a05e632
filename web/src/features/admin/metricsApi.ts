/**
 * The server's Prometheus metrics (GET /metrics, public, plain text), injected into the one API
 * slice and read into families by prometheus.ts, so the cache holds data rather than text.
 */
import { api } from '../../app/api.ts'
import { type MetricFamily, parsePrometheusText } from './prometheus.ts'

export const metricsApi = api.injectEndpoints({
  endpoints: (build) => ({
    getMetrics: build.query<Record<string, MetricFamily>, void>({
      query: () => ({ url: 'metrics', responseHandler: 'text' }),
      transformResponse: (text: string) => parsePrometheusText(text),
    }),
  }),
})

export const { useGetMetricsQuery } = metricsApi
