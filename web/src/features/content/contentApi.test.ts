/**
 * Proves, on a real store, that a changed meme from the live feed reaches every list and
 * detail held in the cache: it leaves the list of its old state, enters the one of its new state
 * and replaces the detail; a copy older than one already held changes nothing anywhere; and an
 * approval drops the cached round queue, to be asked for again. Nothing goes over the network:
 * the cache is filled by hand and nothing subscribes to it.
 */
import { describe, expect, test } from 'vitest'
import { makeStore } from '../../app/store.ts'
import { type ContentDispatch, type ContentState, contentApi, memeViewReceived } from './contentApi.ts'
import type { MemeListArg } from './memeCache.ts'
import { memeFixture } from './memeFixture.ts'

const TRANSFORMING: MemeListArg = { state: 'transforming' }
const IN_REVIEW: MemeListArg = { state: 'in_review' }

async function storeHolding(meme: ReturnType<typeof memeFixture>) {
  const store = makeStore()
  const dispatch = store.dispatch as ContentDispatch
  await dispatch(contentApi.util.upsertQueryData('getAdminMemes', TRANSFORMING, { memes: [meme] }))
  await dispatch(contentApi.util.upsertQueryData('getAdminMemes', IN_REVIEW, { memes: [] }))
  await dispatch(contentApi.util.upsertQueryData('getAdminMeme', meme.id, meme))
  await dispatch(
    contentApi.util.upsertQueryData('getRoundQueue', undefined, { memesPerRound: 20, memes: [] }),
  )
  const held = () => {
    const state = store.getState() as ContentState
    return {
      transforming: contentApi.endpoints.getAdminMemes.select(TRANSFORMING)(state).data?.memes,
      inReview: contentApi.endpoints.getAdminMemes.select(IN_REVIEW)(state).data?.memes,
      detail: contentApi.endpoints.getAdminMeme.select(meme.id)(state).data,
      queueHeld: contentApi.endpoints.getRoundQueue.select()(state).data !== undefined,
    }
  }
  return { dispatch, held }
}

describe('memeViewReceived', () => {
  test('a meme that reaches review moves from the processing list to the review list, and its detail follows', async () => {
    const transforming = memeFixture('1')
    const { dispatch, held } = await storeHolding(transforming)
    const reviewed = {
      ...transforming,
      state: 'in_review' as const,
      progress: null,
      updatedAt: '2025-01-01T00:02:00.000Z',
    }
    dispatch(memeViewReceived(reviewed))
    expect(held()).toMatchObject({ transforming: [], inReview: [reviewed], detail: reviewed })
  })

  test('progress within a state replaces the meme where it is', async () => {
    const transforming = memeFixture('1')
    const { dispatch, held } = await storeHolding(transforming)
    dispatch(memeViewReceived({ ...transforming, progress: 0.7 }))
    expect(held().transforming?.[0]?.progress).toBe(0.7)
    expect(held().detail?.progress).toBe(0.7)
  })

  test('a copy older than one held changes no list and no detail', async () => {
    const reviewed = memeFixture('1', { state: 'in_review', updatedAt: '2025-01-01T00:03:00.000Z' })
    const { dispatch, held } = await storeHolding(memeFixture('2'))
    dispatch(memeViewReceived(reviewed))
    const before = held()
    dispatch(memeViewReceived({ ...reviewed, state: 'transforming', updatedAt: '2025-01-01T00:02:00.000Z' }))
    expect(held()).toEqual(before)
    expect(before.inReview).toEqual([reviewed])
  })

  test('an approval drops the cached round queue; processing does not', async () => {
    const transforming = memeFixture('1')
    const { dispatch, held } = await storeHolding(transforming)
    dispatch(memeViewReceived({ ...transforming, progress: 0.5 }))
    expect(held().queueHeld).toBe(true)
    dispatch(
      memeViewReceived({
        ...transforming,
        state: 'approved',
        queuePosition: 1,
        updatedAt: '2025-01-01T00:05:00.000Z',
      }),
    )
    expect(held().queueHeld).toBe(false)
  })
})
