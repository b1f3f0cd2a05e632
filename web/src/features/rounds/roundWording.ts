/** How rounds and their rewards read on the round pages. */
import type { RewardView, RoundState } from '../../../../contracts/rounds.ts'
import { formatInteger } from '../../components/format.ts'

export const ROUND_STATE_WORDS: Record<RoundState, string> = {
  open: 'Open',
  closed: 'Closed, settling',
  settled: 'Settled',
}

const PLACE_WORDS = ['First', 'Second', 'Third']

/** "First place", "Fast viewer #12". */
export function rewardLabel(reward: Pick<RewardView, 'reason' | 'place'>): string {
  if (reward.reason === 'fast_viewer') {
    return reward.place === null ? 'Fast viewer' : `Fast viewer #${formatInteger(reward.place)}`
  }
  if (reward.place === null) return 'Top meme'
  const word = PLACE_WORDS[reward.place - 1]
  return word ? `${word} place` : `Place ${formatInteger(reward.place)}`
}

/** creator / owner as the reward table says it; fast viewers have no role. */
export function roleLabel(role: string | null): string {
  if (role === 'creator') return 'Creator'
  if (role === 'owner') return 'Owner'
  return role ?? 'Viewer'
}
