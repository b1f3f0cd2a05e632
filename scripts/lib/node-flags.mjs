/**
 * Node flags for every server process (npm start, npm run cluster, and the servers of
 * bench/viewers, so that the benchmark measures what runs).
 *
 * --max-semi-space-size=32: V8's young generation holds objects until they have survived two
 * scavenges. A server answering 10,000 viewers a second, with a billing flush whose batches live
 * across database round trips, overflowed the default 16 MB semi-space: short-lived objects were
 * promoted and collected by full mark-compact pauses of 20-60 ms every few seconds. 32 MB lets
 * them die young. Measured with bench/viewers at 10,000 viewers on PostgreSQL (2 cores), with
 * this flag and the billing flush's start-to-start interval (the same commit) against neither:
 * p99 80.9 → 52.7 ms, billing lag p99 1.58 → 1.16 s, the same CPU per answer, RSS +32 MB; at
 * 5,000 the flag alone cut the main thread's GC time by a third (1,246 → 825 ms in 40 s).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=32']
