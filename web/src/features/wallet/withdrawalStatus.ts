/** How a withdrawal's state reads in the withdrawals list (contracts/withdrawals.ts WithdrawalState). */
import type { WithdrawalState, WithdrawalView } from '../../../../contracts/withdrawals.ts'
import { formatInteger } from '../../components/format.ts'

const FINAL_STATES: readonly WithdrawalState[] = ['confirmed', 'refunded']

/** Confirmed and refunded withdrawals never change again; the others are still on their way. */
export function isWithdrawalFinal(state: WithdrawalState): boolean {
  return FINAL_STATES.includes(state)
}

/** One sentence under the badge: where the withdrawal is and what happens next. */
export function withdrawalNote(withdrawal: Pick<WithdrawalView, 'state' | 'attempts'>): string {
  switch (withdrawal.state) {
    case 'requested': {
      if (withdrawal.attempts === 0) return 'Waiting for the next payout batch.'
      const unit = withdrawal.attempts === 1 ? 'attempt' : 'attempts'
      return `Waiting for the next payout batch, after ${formatInteger(withdrawal.attempts)} failed ${unit}.`
    }
    case 'broadcast':
      return 'Sent to the network, waiting for a block.'
    case 'confirmed':
      return 'In a block: the address has received it.'
    case 'refunded':
      return 'The payout failed; the amount is back in your balance.'
  }
}
