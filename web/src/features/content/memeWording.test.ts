/** Proves how a meme's state, progress and problems read in the admin screens. */
import { describe, expect, test } from 'vitest'
import type { AdminMemeView } from '../../../../contracts/content.ts'
import {
  formatFps,
  formatMilliseconds,
  formatPercent,
  formatProgress,
  memeStateNote,
  problemLabel,
} from './memeWording.ts'

type NoteFields = Parameters<typeof memeStateNote>[0]

function note(fields: Partial<NoteFields> & Pick<AdminMemeView, 'state'>): string {
  return memeStateNote({
    attempts: 0,
    progress: null,
    problems: [],
    queuePosition: null,
    reviewReason: null,
    ...fields,
  })
}

describe('memeStateNote', () => {
  test('says where the meme is and what happens next', () => {
    expect(note({ state: 'validated' })).toBe('Accepted; waiting for the transformer.')
    expect(note({ state: 'transforming' })).toBe('Being turned into an animation.')
    expect(note({ state: 'transforming', progress: 0.456 })).toBe('Being turned into an animation: 45% done.')
    expect(note({ state: 'checked' })).toBe('Animation made; its quality is being checked.')
    expect(note({ state: 'in_review' })).toBe('Passed every check; waiting for an admin’s decision.')
    expect(note({ state: 'approved', queuePosition: 3 })).toBe('Approved: number 3 in the round queue.')
    expect(note({ state: 'approved' })).toBe('Approved; waiting for a round.')
    expect(note({ state: 'assigned' })).toBe('Taken into a round.')
    expect(note({ state: 'rejected', reviewReason: 'Blurry.' })).toBe('Rejected: Blurry.')
    expect(note({ state: 'rejected' })).toBe('Rejected.')
  })

  test('a meme queued again counts its failed attempts', () => {
    expect(note({ state: 'validated', attempts: 1 })).toBe(
      'Waiting to be animated again, after 1 failed attempt.',
    )
    expect(note({ state: 'validated', attempts: 2 })).toBe(
      'Waiting to be animated again, after 2 failed attempts.',
    )
  })

  test('a meme in review counts its problems', () => {
    expect(note({ state: 'in_review', problems: ['near_duplicate'] })).toBe(
      'Needs a closer look (a problem); waiting for an admin’s decision.',
    )
    expect(note({ state: 'in_review', problems: ['near_duplicate', 'quality:NOT_SMOOTH'] })).toBe(
      'Needs a closer look (2 problems); waiting for an admin’s decision.',
    )
  })
})

describe('formatProgress', () => {
  test('rounds down, so 100% means finished, and stays within 0 to 100', () => {
    expect(formatProgress(0)).toBe('0%')
    expect(formatProgress(0.999)).toBe('99%')
    expect(formatProgress(1)).toBe('100%')
    expect(formatProgress(-0.1)).toBe('0%')
    expect(formatProgress(1.2)).toBe('100%')
  })
})

describe('problemLabel', () => {
  test('names near-duplicates, quality failures and transformation failures', () => {
    expect(problemLabel('near_duplicate')).toBe('Looks very like another meme')
    expect(problemLabel('quality:NOT_SMOOTH')).toBe('Quality check: the motion is not smooth enough')
    expect(problemLabel('quality:WRONG_FRAME_RATE')).toBe(
      'Quality check: the animation has the wrong frame rate',
    )
    expect(problemLabel('transform:AITUBO_TIMEOUT')).toBe('Transformation failed (AITUBO_TIMEOUT)')
  })

  test('codes it does not know are still shown', () => {
    expect(problemLabel('quality:BLURRY')).toBe('Quality check failed (BLURRY)')
    expect(problemLabel('something_new')).toBe('something_new')
  })
})

describe('figures', () => {
  test('smoothness to a tenth of a percent, times in ms below a second, frame rates as sent', () => {
    expect(formatPercent(0.9734)).toBe('97.3%')
    expect(formatPercent(1)).toBe('100.0%')
    expect(formatMilliseconds(850)).toBe('850 ms')
    expect(formatMilliseconds(4000)).toBe('4.0 s')
    expect(formatMilliseconds(12_345)).toBe('12.3 s')
    expect(formatFps(30)).toBe('30 fps')
    expect(formatFps(29.97003)).toBe('29.97 fps')
  })
})
