/**
 * Builds and signs the hot wallet's transactions: P2PKH inputs the platform holds the keys to,
 * P2PKH outputs, and change back to the hot wallet, at an explicit fee rate (SPEC 3).
 *
 * The fee comes from a size computed here, not from the SDK's `fee()`: that needs every source
 * transaction (one more chain request per input) and, without a model, a remote policy service.
 * The size is an upper bound (a signature is at most 72 bytes), so the fee paid is never below the
 * rate; `buildSignedTx` checks the signed size against the bound.
 */
import { P2PKH, type PrivateKey, Transaction } from '@bsv/sdk'
import { assert, MAX_SUPPLY_SATS } from '../../domain/money.ts'

/** Version, locktime, and input and output counts as 3-byte varints (up to 65,535 of each). */
export const TX_OVERHEAD_BYTES = 14
/** Outpoint 36, script length 1, unlocking script ≤ 107 (push of a 72-byte signature, push of a 33-byte key), sequence 4. */
export const P2PKH_INPUT_BYTES = 148
/** Value 8, script length 1, script 25. */
export const P2PKH_OUTPUT_BYTES = 34
const BYTES_PER_KB = 1000

/** An output the platform can spend, and which of its keys signs for it. */
export interface SpendableOutput {
  txid: string
  vout: number
  satoshis: number
  /** 'hot' or 'deposit:<derivation index>'. */
  keyRef: string
}

export interface PaymentOutput {
  address: string
  satoshis: number
}

export interface BuiltTx {
  rawTx: string
  txid: string
  inputSats: number
  feeSats: number
  changeSats: number
  /** Output index of each payment, in the order given. */
  paymentVouts: number[]
}

export function txSizeBytes(inputCount: number, outputCount: number): number {
  return TX_OVERHEAD_BYTES + inputCount * P2PKH_INPUT_BYTES + outputCount * P2PKH_OUTPUT_BYTES
}

/** The fee for `sizeBytes` at `satsPerKb`, rounded up, and at least 1 sat. */
export function feeForSizeSats(sizeBytes: number, satsPerKb: number): number {
  return Math.max(1, Math.ceil((sizeBytes * satsPerKb) / BYTES_PER_KB))
}

/**
 * Picks inputs for `paymentSats` plus the fee of a transaction with `paymentCount` payments and a
 * change output, largest first, so as few inputs as possible are spent (consolidation gathers the
 * small ones). Undefined when the largest `maxInputs` of them together do not cover it.
 */
export function selectInputs(
  available: readonly SpendableOutput[],
  paymentSats: number,
  paymentCount: number,
  satsPerKb: number,
  maxInputs: number,
): SpendableOutput[] | undefined {
  const ordered = [...available].sort((a, b) => b.satoshis - a.satoshis)
  const chosen: SpendableOutput[] = []
  let totalSats = 0
  for (const output of ordered) {
    if (chosen.length === maxInputs) break
    chosen.push(output)
    totalSats += output.satoshis
    const feeSats = feeForSizeSats(txSizeBytes(chosen.length, paymentCount + 1), satsPerKb)
    if (totalSats >= paymentSats + feeSats) return chosen
  }
  return undefined
}

export interface BuildOptions {
  inputs: readonly SpendableOutput[]
  payments: readonly PaymentOutput[]
  changeAddress: string
  satsPerKb: number
  keyFor: (keyRef: string) => PrivateKey
}

export type BuildResult = { status: 'ok'; tx: BuiltTx } | { status: 'insufficient'; shortSats: number }

/**
 * Signs a transaction spending `inputs` to `payments`, with everything left over after the fee
 * going back to `changeAddress` (no change output when nothing is left).
 */
export async function buildSignedTx(options: BuildOptions): Promise<BuildResult> {
  const { inputs, payments, satsPerKb } = options
  assert(inputs.length > 0, 'a transaction spends at least one output')
  assert(
    payments.every((p) => Number.isSafeInteger(p.satoshis) && p.satoshis > 0),
    'payments are positive whole sats',
  )
  const inputSats = inputs.reduce((sum, i) => sum + i.satoshis, 0)
  const paymentSats = payments.reduce((sum, p) => sum + p.satoshis, 0)
  assert(inputSats <= MAX_SUPPLY_SATS && paymentSats <= MAX_SUPPLY_SATS, 'amounts within the supply')

  const withChangeFee = feeForSizeSats(txSizeBytes(inputs.length, payments.length + 1), satsPerKb)
  const withoutChangeFee = feeForSizeSats(txSizeBytes(inputs.length, payments.length), satsPerKb)
  let changeSats = inputSats - paymentSats - withChangeFee
  let feeSats = withChangeFee
  if (changeSats <= 0) {
    // Without the change output the transaction is smaller; what is left is all fee.
    if (inputSats - paymentSats < withoutChangeFee) {
      return { status: 'insufficient', shortSats: paymentSats + withoutChangeFee - inputSats }
    }
    feeSats = inputSats - paymentSats
    changeSats = 0
  }

  const tx = new Transaction()
  for (const input of inputs) {
    const key = options.keyFor(input.keyRef)
    const lockingScript = new P2PKH().lock(key.toPublicKey().toHash())
    tx.addInput({
      sourceTXID: input.txid,
      sourceOutputIndex: input.vout,
      unlockingScriptTemplate: new P2PKH().unlock(key, 'all', false, input.satoshis, lockingScript),
    })
  }
  for (const payment of payments) {
    tx.addOutput({ lockingScript: new P2PKH().lock(payment.address), satoshis: payment.satoshis })
  }
  if (changeSats > 0) {
    tx.addOutput({ lockingScript: new P2PKH().lock(options.changeAddress), satoshis: changeSats })
  }
  await tx.sign()

  const rawTx = tx.toHex()
  const sizeBytes = rawTx.length / 2
  const boundBytes = txSizeBytes(inputs.length, tx.outputs.length)
  assert(
    sizeBytes <= boundBytes,
    `a signed transaction (${sizeBytes} B) fits its size bound (${boundBytes} B)`,
  )
  assert(inputSats === paymentSats + feeSats + changeSats, 'inputs = payments + fee + change')
  return {
    status: 'ok',
    tx: {
      rawTx,
      txid: tx.id('hex'),
      inputSats,
      feeSats,
      changeSats,
      paymentVouts: payments.map((_, index) => index),
    },
  }
}
