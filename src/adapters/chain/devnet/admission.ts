/**
 * Whether a transaction may enter the devnet's mempool: the checks a BSV node makes, in the order
 * of their cost (structure, inputs, amounts, fee, then scripts). A refusal is a value with a
 * stable code and the node's wording, never an exception: anyone can send anything here.
 */
import { Spend, type Transaction } from '@bsv/sdk'
import { MAX_SUPPLY_SATS } from '../../../domain/money.ts'
import { NODE_REJECT_TEXT, type TxRejectCode } from '../reject.ts'
import { FINAL_SEQUENCE } from './block.ts'
import { type ChainState, outpointKey } from './state.ts'
import type { ParsedTx } from './tx-parse.ts'

export type Admission = { ok: true; feeSats: number } | { ok: false; code: TxRejectCode; message: string }

const BYTES_PER_KB = 1000

function refuse(code: TxRejectCode, message: string): Admission {
  return { ok: false, code, message }
}

/** The smallest fee for `sizeBytes` at `satsPerKb`, rounded up; integer arithmetic, so never above what the SDK's SatoshisPerKilobyte pays. */
export function minimumFeeSats(sizeBytes: number, satsPerKb: number): number {
  return Math.ceil((sizeBytes * satsPerKb) / BYTES_PER_KB)
}

function structureProblem(tx: Transaction): string | undefined {
  if (tx.inputs.length === 0) return '16: bad-txns-vin-empty'
  if (tx.outputs.length === 0) return '16: bad-txns-vout-empty'
  const outpoints = new Set(tx.inputs.map((input) => outpointKey(input.sourceTXID!, input.sourceOutputIndex)))
  if (outpoints.size !== tx.inputs.length) return '16: bad-txns-inputs-duplicate'
  let total = 0
  for (const output of tx.outputs) {
    const satoshis = output.satoshis ?? -1
    if (!Number.isSafeInteger(satoshis) || satoshis < 0 || satoshis > MAX_SUPPLY_SATS)
      return '16: bad-txns-vout-toolarge'
    total += satoshis
  }
  return total > MAX_SUPPLY_SATS ? '16: bad-txns-txouttotal-toolarge' : undefined
}

/** The first line of a script failure, or undefined when input `index` unlocks its source output. */
function scriptFailure(state: ChainState, tx: Transaction, index: number): string | undefined {
  const input = tx.inputs[index]!
  const source = state.txs.get(input.sourceTXID!)?.tx.outputs[input.sourceOutputIndex]
  if (!source || !input.unlockingScript) return 'missing source output'
  const spend = new Spend({
    sourceTXID: input.sourceTXID!,
    sourceOutputIndex: input.sourceOutputIndex,
    sourceSatoshis: source.satoshis ?? 0,
    lockingScript: source.lockingScript,
    transactionVersion: tx.version,
    otherInputs: tx.inputs.filter((_, other) => other !== index),
    outputs: tx.outputs,
    unlockingScript: input.unlockingScript,
    inputSequence: input.sequence ?? FINAL_SEQUENCE,
    inputIndex: index,
    lockTime: tx.lockTime,
  })
  try {
    return spend.validate() ? undefined : 'script evaluated to false'
  } catch (error) {
    // The SDK throws with a multi-line report; its first line names the failing operation.
    return String((error as Error).message).split('\n')[0]
  }
}

/** Sums the inputs, or says which input cannot be spent (unknown, or spent already). */
function inputTotal(state: ChainState, tx: Transaction): { sats: number } | Admission {
  let sats = 0
  for (const input of tx.inputs) {
    const output = state.outputs.get(outpointKey(input.sourceTXID!, input.sourceOutputIndex))
    if (!output) return refuse('missing_inputs', NODE_REJECT_TEXT.missing_inputs)
    if (output.spentBy) {
      const text = output.spentBy.height === null ? 'double_spend_mempool' : 'double_spend_block'
      return refuse('double_spend', NODE_REJECT_TEXT[text])
    }
    sats += output.satoshis
  }
  return { sats }
}

/** Decides whether `parsed` (not already known to `state`) may enter the mempool. */
export function admit(state: ChainState, parsed: ParsedTx, satsPerKb: number): Admission {
  const { tx } = parsed
  const problem = structureProblem(tx)
  if (problem) return refuse('malformed', problem)
  const inputs = inputTotal(state, tx)
  if ('ok' in inputs) return inputs
  const outputSats = tx.outputs.reduce((sum, output) => sum + (output.satoshis ?? 0), 0)
  if (outputSats > inputs.sats) return refuse('outputs_exceed_inputs', NODE_REJECT_TEXT.outputs_exceed_inputs)
  const feeSats = inputs.sats - outputSats
  const neededSats = minimumFeeSats(parsed.sizeBytes, satsPerKb)
  if (feeSats < neededSats) {
    return refuse('fee_too_low', `${NODE_REJECT_TEXT.fee_too_low} (fee ${feeSats} < ${neededSats} sats)`)
  }
  for (let index = 0; index < tx.inputs.length; index++) {
    const failure = scriptFailure(state, tx, index)
    if (failure) return refuse('bad_script', `${NODE_REJECT_TEXT.bad_script} (input ${index}: ${failure})`)
  }
  return { ok: true, feeSats }
}
