/**
 * Proves how a changed meme is merged into the lists held in the cache: replaced in place,
 * moved between the lists of its old and new state, inserted newest first, capped at the list's
 * limit, and never overwritten by an older copy; and that stream data which is not a meme is
 * dropped rather than merged.
 */
import { describe, expect, test } from 'vitest'
import type { AdminMemeView } from '../../../../contracts/content.ts'
import { affectsRoundQueue, isOlderCopy, memeOfEvent, mergeMeme } from './memeCache.ts'
import { memeFixture as meme } from './memeFixture.ts'

const LIMIT = 50

const ids = (memes: AdminMemeView[]) => memes.map((item) => item.id)

describe('mergeMeme', () => {
  test('replaces a meme in place when it changes within the list’s state', () => {
    const list = [meme('3'), meme('2'), meme('1')]
    const moved = meme('2', { progress: 0.6, updatedAt: '2025-01-01T00:02:00.000Z' })
    const merged = mergeMeme(list, moved, { state: 'transforming' }, LIMIT)
    expect(ids(merged)).toEqual(['3', '2', '1'])
    expect(merged[1]?.progress).toBe(0.6)
  })

  test('a meme that leaves the list’s state is removed; it enters the list of its new state in order', () => {
    const reviewed = meme('2', { state: 'in_review', progress: null, updatedAt: '2025-01-01T00:02:00.000Z' })
    expect(
      ids(mergeMeme([meme('3'), meme('2'), meme('1')], reviewed, { state: 'transforming' }, LIMIT)),
    ).toEqual(['3', '1'])
    const inReview = [meme('3', { state: 'in_review' }), meme('1', { state: 'in_review' })]
    expect(ids(mergeMeme(inReview, reviewed, { state: 'in_review' }, LIMIT))).toEqual(['3', '2', '1'])
  })

  test('a new meme goes first in the list of every state, and the list keeps its limit', () => {
    const fresh = meme('9', { state: 'validated', createdAt: '2025-01-01T00:09:00.000Z' })
    const list = [meme('3', { state: 'validated' }), meme('2', { state: 'validated' })]
    expect(ids(mergeMeme(list, fresh, { state: 'validated' }, LIMIT))).toEqual(['9', '3', '2'])
    expect(ids(mergeMeme(list, fresh, {}, 2))).toEqual(['9', '3'])
  })

  test('a meme of another state is not added; the unfiltered list takes every state', () => {
    const approved = meme('4', { state: 'approved' })
    expect(mergeMeme([meme('1')], approved, { state: 'transforming' }, LIMIT)).toEqual([meme('1')])
    expect(ids(mergeMeme([meme('1')], approved, {}, LIMIT))).toEqual(['4', '1'])
  })

  test('an older copy than the one held changes nothing; an equally new one (progress) does', () => {
    const held = meme('1', { progress: 0.8, updatedAt: '2025-01-01T00:03:00.000Z' })
    const stale = meme('1', { progress: 0.2, updatedAt: '2025-01-01T00:02:00.000Z' })
    expect(mergeMeme([held], stale, { state: 'transforming' }, LIMIT)).toEqual([held])
    const sameTime = meme('1', { progress: 0.9, updatedAt: held.updatedAt })
    expect(mergeMeme([held], sameTime, { state: 'transforming' }, LIMIT)).toEqual([sameTime])
  })

  test('leaves the list it was given unchanged', () => {
    const list = [meme('1')]
    mergeMeme(list, meme('2'), {}, LIMIT)
    expect(ids(list)).toEqual(['1'])
  })
})

describe('isOlderCopy', () => {
  test('compares the time of the last change', () => {
    const early = meme('1', { updatedAt: '2025-01-01T00:01:00.000Z' })
    const late = meme('1', { updatedAt: '2025-01-01T00:01:00.500Z' })
    expect(isOlderCopy(early, late)).toBe(true)
    expect(isOlderCopy(late, early)).toBe(false)
    expect(isOlderCopy(late, late)).toBe(false)
  })
})

describe('affectsRoundQueue', () => {
  test('approving a meme and a round taking it change the queue; processing does not', () => {
    expect(affectsRoundQueue(meme('1', { state: 'approved' }))).toBe(true)
    expect(affectsRoundQueue(meme('1', { state: 'assigned' }))).toBe(true)
    expect(affectsRoundQueue(meme('1', { state: 'transforming' }))).toBe(false)
    expect(affectsRoundQueue(meme('1', { state: 'rejected' }))).toBe(false)
  })
})

describe('memeOfEvent', () => {
  test('reads a meme from the event’s data', () => {
    const sent = meme('7', { state: 'checked' })
    expect(memeOfEvent(structuredClone(sent))).toEqual(sent)
  })

  test('drops data that is not a meme', () => {
    expect(memeOfEvent('not a meme')).toBeNull()
    expect(memeOfEvent(null)).toBeNull()
    expect(memeOfEvent(42)).toBeNull()
    expect(memeOfEvent({ id: '7' })).toBeNull()
    expect(memeOfEvent({ id: 7, state: 'checked', updatedAt: 'x' })).toBeNull()
  })
})
