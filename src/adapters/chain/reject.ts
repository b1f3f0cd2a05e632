/**
 * Why a network refuses a transaction, as stable codes. The devnet produces them directly and
 * words its refusals like a BSV node (and so like WhatsOnChain, which relays the node's text);
 * the WhatsOnChain client turns that text back into a code. A caller branches on the code:
 * `double_spend` and `missing_inputs` mean the inputs are gone, the others mean the bytes are bad.
 */

export type TxRejectCode =
  | 'malformed'
  | 'missing_inputs'
  | 'double_spend'
  | 'bad_script'
  | 'outputs_exceed_inputs'
  | 'fee_too_low'
  /** Refused for a reason the client does not recognise; the message has the network's words. */
  | 'rejected'

/** The node's wording for each refusal, as WhatsOnChain relays it. */
export const NODE_REJECT_TEXT = {
  malformed: 'TX decode failed',
  missing_inputs: 'Missing inputs',
  double_spend_mempool: '258: txn-mempool-conflict',
  double_spend_block: '18: bad-txns-inputs-spent',
  bad_script: '16: mandatory-script-verify-flag-failed',
  outputs_exceed_inputs: '16: bad-txns-in-belowout',
  fee_too_low: '66: insufficient priority',
} as const

/** WhatsOnChain wraps a node refusal like this in its response body. */
export const WOC_REFUSAL_PREFIX = 'unexpected response code 500: '

/** Texts that mean "the network already has this transaction": a success for the sender. */
const ALREADY_KNOWN =
  /already in the mempool|txn-already-known|txn-already-in-mempool|already known|already in block ?chain|transaction already exists/i

const REJECT_PATTERNS: ReadonlyArray<readonly [RegExp, TxRejectCode]> = [
  [/txn-mempool-conflict|inputs-spent|double[- ]?spend|missingorspent/i, 'double_spend'],
  [/missing inputs|missing-inputs|bad-txns-inputs-missing/i, 'missing_inputs'],
  [/script-verify-flag|script evaluation|scriptsig|signature/i, 'bad_script'],
  [/in-belowout|bad-txns-in-below|outputs exceed/i, 'outputs_exceed_inputs'],
  [/insufficient (?:priority|fee)|min relay fee|mempool min fee|fee too low/i, 'fee_too_low'],
  [
    /decode failed|bad-txns-(?:vin|vout)-empty|inputs-duplicate|toolarge|malformed|invalid (?:hex|transaction)/i,
    'malformed',
  ],
]

export type NodeReply = { kind: 'already_known' } | { kind: 'refused'; code: TxRejectCode }

/** Reads a node's refusal text; undefined when the text does not look like a refusal at all. */
export function classifyNodeReply(text: string): NodeReply | undefined {
  if (ALREADY_KNOWN.test(text)) return { kind: 'already_known' }
  for (const [pattern, code] of REJECT_PATTERNS) if (pattern.test(text)) return { kind: 'refused', code }
  return undefined
}
