/**
 * The content pipeline as a state machine (SPEC 4; STYLE "The media pipeline is a state
 * machine"). `nextState` is the one place that decides where a meme goes; services call it and
 * write the answer with a compare-and-set on the state they read, so two workers (or a worker and
 * a reviewer) can never both move one meme.
 *
 *   validated ──transform_started──▶ transforming ──transformed──▶ checked
 *   checked ──quality_passed──▶ in_review ──approved──▶ approved ──assigned──▶ assigned
 *   checked ──quality_failed (first time)──▶ transforming   (again, with fallback settings)
 *   checked ──quality_failed (fallback too)──▶ in_review    (problem: quality:<code>)
 *   transforming ──transform_failed (will retry)──▶ validated
 *   transforming ──transform_failed (attempts used up)──▶ in_review (problem: transform:<code>)
 *   in_review ──retry──▶ validated;  in_review | approved ──rejected──▶ rejected
 *
 * Follow-up jobs are queued in one place too: `jobFor` names the job a state needs.
 */
import type { MemeState } from '../../adapters/db/schema.ts'

export type PipelineEvent =
  | 'transform_started'
  | 'transformed'
  | 'quality_passed'
  | 'quality_failed_retry'
  | 'quality_failed_final'
  | 'transform_failed_retry'
  | 'transform_failed_final'
  | 'approved'
  | 'rejected'
  | 'retry'
  | 'assigned'

const TRANSITIONS: Record<PipelineEvent, Partial<Record<MemeState, MemeState>>> = {
  transform_started: { validated: 'transforming', transforming: 'transforming' },
  transformed: { transforming: 'checked' },
  quality_passed: { checked: 'in_review' },
  quality_failed_retry: { checked: 'transforming' },
  quality_failed_final: { checked: 'in_review' },
  transform_failed_retry: { transforming: 'validated' },
  transform_failed_final: { transforming: 'in_review', validated: 'in_review' },
  approved: { in_review: 'approved' },
  rejected: { in_review: 'rejected', approved: 'rejected' },
  retry: { in_review: 'validated' },
  assigned: { approved: 'assigned' },
}

/** Where `event` takes a meme in `state`, or undefined when the event does not apply there. */
export function nextState(state: MemeState, event: PipelineEvent): MemeState | undefined {
  return TRANSITIONS[event][state]
}

/** The states `event` may start from: what a compare-and-set update checks. */
export function statesFor(event: PipelineEvent): MemeState[] {
  return Object.keys(TRANSITIONS[event]) as MemeState[]
}

export const TRANSFORM_QUEUE = 'transform'

export interface TransformJobPayload {
  memeId: string
  /** 'fallback' after a failed quality check: gentler motion, cheaper encoding. */
  settings: 'default' | 'fallback'
}

/** The job a meme needs on entering `state`, if any. */
export function jobFor(state: MemeState, settings: TransformJobPayload['settings'] = 'default') {
  return state === 'validated' || state === 'transforming' ? { queue: TRANSFORM_QUEUE, settings } : undefined
}
