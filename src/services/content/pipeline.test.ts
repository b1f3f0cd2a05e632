/**
 * The pipeline's transitions: the happy path runs validated → … → assigned; failures retry or
 * land in review; reviewers act only on memes in review (or approved, for rejecting); and no
 * event moves a rejected or assigned meme.
 */
import { describe, expect, it } from 'vitest'
import type { MemeState } from '../../adapters/db/schema.ts'
import { jobFor, nextState, type PipelineEvent, statesFor } from './pipeline.ts'

const ALL_EVENTS: PipelineEvent[] = [
  'transform_started',
  'transformed',
  'quality_passed',
  'quality_failed_retry',
  'quality_failed_final',
  'transform_failed_retry',
  'transform_failed_final',
  'approved',
  'rejected',
  'retry',
  'assigned',
]

describe('nextState', () => {
  it('runs the happy path from validated to assigned', () => {
    let state: MemeState = 'validated'
    for (const event of [
      'transform_started',
      'transformed',
      'quality_passed',
      'approved',
      'assigned',
    ] as const) {
      const next = nextState(state, event)
      expect(next, event).toBeDefined()
      state = next!
    }
    expect(state).toBe('assigned')
  })

  it('retries a failed quality check once with fallback settings, then sends it to review', () => {
    expect(nextState('checked', 'quality_failed_retry')).toBe('transforming')
    expect(nextState('checked', 'quality_failed_final')).toBe('in_review')
  })

  it('puts a failed transformation back in the queue, or in review once attempts are used up', () => {
    expect(nextState('transforming', 'transform_failed_retry')).toBe('validated')
    expect(nextState('transforming', 'transform_failed_final')).toBe('in_review')
  })

  it('lets reviewers act only where it makes sense', () => {
    expect(nextState('in_review', 'approved')).toBe('approved')
    expect(nextState('in_review', 'retry')).toBe('validated')
    expect(nextState('approved', 'rejected')).toBe('rejected')
    expect(nextState('transforming', 'approved')).toBeUndefined()
    expect(nextState('assigned', 'rejected')).toBeUndefined()
  })

  it('moves nothing out of rejected or assigned', () => {
    for (const event of ALL_EVENTS) {
      expect(nextState('rejected', event), event).toBeUndefined()
      expect(nextState('assigned', event), event).toBeUndefined()
    }
  })

  it('names the states each event starts from', () => {
    expect(statesFor('approved')).toEqual(['in_review'])
    expect(statesFor('rejected').sort()).toEqual(['approved', 'in_review'])
  })

  it('queues a transformation for memes waiting for one, and nothing otherwise', () => {
    expect(jobFor('validated')).toEqual({ queue: 'transform', settings: 'default' })
    expect(jobFor('in_review')).toBeUndefined()
  })
})
