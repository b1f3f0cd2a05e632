import type { AccountSpec } from './types.ts'

/**
 * Account ids are readable strings with a kind prefix. The platform's own accounts are fixed;
 * user, round and meme accounts are derived from their owner's id.
 */
export const PLATFORM_FEES_ACCOUNT = 'platform:fees'
/**
 * Transit account for view charges: the splits are credited from it at every flush, and each
 * hold's postings are paid into it when the hold is settled, so it runs negative by exactly what
 * open holds have posted.
 */
export const VIEW_CLEARING_ACCOUNT = 'clearing:views'

export const SYSTEM_ACCOUNTS: readonly AccountSpec[] = [
  { id: PLATFORM_FEES_ACCOUNT, kind: 'platform' },
  { id: VIEW_CLEARING_ACCOUNT, kind: 'clearing', allowNegative: true },
]

export function userAccountId(userId: string | number): string {
  return `user:${userId}`
}

export function roundPoolAccountId(roundHeight: number): string {
  return `pool:${roundHeight}`
}
