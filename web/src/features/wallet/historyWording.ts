/**
 * How a ledger movement reads in the history table: its code and the account on the other side,
 * in plain words. Codes and account ids are the ledger's (src/ledger); one the app does not know
 * yet still reads as words rather than as an identifier.
 */
import { formatInteger } from '../../components/format.ts'

const CODE_WORDS: Readonly<Record<string, string>> = {
  deposit: 'Deposit',
  deposit_reversal: 'Deposit reversed',
  withdrawal: 'Withdrawal',
  withdrawal_refund: 'Withdrawal refunded',
  view: 'Watching',
  'split.creator': 'Creator’s share of views',
  'split.owner': 'Owner’s share of views',
}

const ACCOUNT_WORDS: Readonly<Record<string, string>> = {
  'clearing:deposits': 'The BSV network',
  'clearing:withdrawals': 'The BSV network',
  'clearing:views': 'View payments',
  'platform:fees': 'Memepool fees',
}

/** "some_code.part" → "Some code part". */
function asWords(identifier: string): string {
  const words = identifier.replace(/[._-]+/g, ' ').trim()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

export function historyCodeLabel(code: string): string {
  return CODE_WORDS[code] ?? asWords(code)
}

export function counterpartyLabel(accountId: string): string {
  const known = ACCOUNT_WORDS[accountId]
  if (known) return known
  const [kind, ...rest] = accountId.split(':')
  const key = rest.join(':')
  if (kind === 'user' && key) return `User ${key}`
  if (kind === 'pool' && /^\d+$/.test(key)) return `Round pool of block ${formatInteger(Number(key))}`
  return accountId
}
