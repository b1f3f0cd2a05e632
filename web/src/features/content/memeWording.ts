/**
 * How a meme's place in the content pipeline reads in the admin screens (contracts/content.ts
 * MemeState): a short badge for its state, one sentence saying what happens next, and the
 * problems that sent it to a closer look.
 */
import type { AdminMemeView, AnimationView, MemeState } from '../../../../contracts/content.ts'
import { formatInteger } from '../../components/format.ts'

export const MEME_STATE_LABELS: Readonly<Record<MemeState, string>> = {
  validated: 'Waiting',
  transforming: 'Animating',
  checked: 'Checking',
  in_review: 'In review',
  approved: 'Approved',
  assigned: 'In a round',
  rejected: 'Rejected',
}

function failedAttempts(attempts: number): string {
  return `${formatInteger(attempts)} failed ${attempts === 1 ? 'attempt' : 'attempts'}`
}

/** Progress as a whole percentage: the bar shows the fraction, the text a number that reads at a glance. */
export function formatProgress(fraction: number): string {
  return `${Math.floor(Math.min(1, Math.max(0, fraction)) * 100)}%`
}

/** One sentence under the badge: where the meme is and what happens next. */
export function memeStateNote(
  meme: Pick<
    AdminMemeView,
    'state' | 'attempts' | 'progress' | 'problems' | 'queuePosition' | 'reviewReason'
  >,
): string {
  switch (meme.state) {
    case 'validated':
      return meme.attempts === 0
        ? 'Accepted; waiting for the transformer.'
        : `Waiting to be animated again, after ${failedAttempts(meme.attempts)}.`
    case 'transforming':
      return meme.progress === null
        ? 'Being turned into an animation.'
        : `Being turned into an animation: ${formatProgress(meme.progress)} done.`
    case 'checked':
      return 'Animation made; its quality is being checked.'
    case 'in_review': {
      if (meme.problems.length === 0) return 'Passed every check; waiting for an admin’s decision.'
      const count =
        meme.problems.length === 1 ? 'a problem' : `${formatInteger(meme.problems.length)} problems`
      return `Needs a closer look (${count}); waiting for an admin’s decision.`
    }
    case 'approved':
      return meme.queuePosition === null
        ? 'Approved; waiting for a round.'
        : `Approved: number ${formatInteger(meme.queuePosition)} in the round queue.`
    case 'assigned':
      return 'Taken into a round.'
    case 'rejected':
      return meme.reviewReason ? `Rejected: ${meme.reviewReason}` : 'Rejected.'
  }
}

/** The quality check's failure codes (src/services/content/quality), as a reviewer reads them. */
const QUALITY_PROBLEMS: Readonly<Record<string, string>> = {
  DECODE_FAILED: 'the animation could not be decoded',
  WRONG_RESOLUTION: 'the animation has the wrong size',
  WRONG_FRAME_RATE: 'the animation has the wrong frame rate',
  TOO_SHORT: 'the animation is too short',
  NOT_SMOOTH: 'the motion is not smooth enough',
}

/**
 * A problem as a sentence fragment: `near_duplicate`, `quality:<code>` or `transform:<code>`. A
 * code this app does not know yet is shown as it is, so a reviewer still sees what was named.
 */
export function problemLabel(problem: string): string {
  if (problem === 'near_duplicate') return 'Looks very like another meme'
  const [kind, code = ''] = problem.split(':', 2)
  if (kind === 'quality') {
    const known = QUALITY_PROBLEMS[code]
    return known ? `Quality check: ${known}` : `Quality check failed (${code})`
  }
  if (kind === 'transform') return `Transformation failed (${code})`
  return problem
}

export const ENGINE_LABELS: Readonly<Record<AnimationView['engine'], string>> = {
  local: 'Local engine',
  aitubo: 'AITubo',
}

/** The quality check's pass mark for smoothness (src/services/content/quality). */
export const SMOOTHNESS_PASS = 0.95

/** A fraction as a percentage to a tenth: 0.9734 → "97.3%". Smoothness lives in the last digits. */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`
}

/** 850 → "850 ms", 4000 → "4.0 s", 12_345 → "12.3 s": tenths of a second are what a reviewer compares. */
export function formatMilliseconds(ms: number): string {
  return ms < 1000 ? `${formatInteger(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}

/** 30 → "30 fps", 29.97 → "29.97 fps". */
export function formatFps(fps: number): string {
  return `${Number(fps.toFixed(2))} fps`
}
