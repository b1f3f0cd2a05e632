/**
 * Proves, on a real store, how the `round` channel keeps the round in progress: each event
 * replaces the cached round, a round of another height (a block was found) drops the cached
 * timeline so it is asked for again, and the same round ticking leaves the timeline alone.
 * Nothing goes over the network: the cache is filled by hand and nothing subscribes to it.
 */
import { describe, expect, test } from 'vitest'
import { makeStore } from '../../app/store.ts'
import { memeFixture, roundFixture } from './roundFixture.ts'
import { type RoundsDispatch, type RoundsState, roundsApi, roundViewReceived } from './roundsApi.ts'

async function storeHolding(height: number) {
  const store = makeStore()
  const dispatch = store.dispatch as RoundsDispatch
  await dispatch(
    roundsApi.util.upsertQueryData('getCurrentRound', undefined, {
      round: roundFixture(height),
      serverTime: '2025-01-01T00:00:00.000Z',
    }),
  )
  await dispatch(roundsApi.util.upsertQueryData('getRecentRounds', 9, { rounds: [] }))
  const held = () => {
    const state = store.getState() as RoundsState
    return {
      current: roundsApi.endpoints.getCurrentRound.select()(state).data,
      timelineHeld: roundsApi.endpoints.getRecentRounds.select(9)(state).data !== undefined,
    }
  }
  return { dispatch, held }
}

describe('roundViewReceived', () => {
  test('the same round ticking replaces the cached one and keeps the timeline', async () => {
    const { dispatch, held } = await storeHolding(812)
    const ticked = roundFixture(812, { poolSats: 60, memes: [memeFixture('a', { paidSeconds: 5 })] })
    dispatch(roundViewReceived(ticked))
    expect(held().current).toEqual({ round: ticked, serverTime: '2025-01-01T00:00:00.000Z' })
    expect(held().timelineHeld).toBe(true)
  })

  test('a new round drops the timeline, which holds the round that closed', async () => {
    const { dispatch, held } = await storeHolding(812)
    dispatch(roundViewReceived(roundFixture(813)))
    expect(held().current?.round?.height).toBe(813)
    // Invalidated with nothing subscribed: removed, to be fetched when next shown.
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(held().timelineHeld).toBe(false)
  })

  test('no round (before the first block) is a state too', async () => {
    const { dispatch, held } = await storeHolding(812)
    dispatch(roundViewReceived(null))
    expect(held().current?.round).toBeNull()
  })
})
