/**
 * The anchor's data output: `OP_FALSE OP_RETURN <"memepool"> <version> <root> <period>`, four
 * pushes. The tag lets anyone scanning the chain pick out Memepool's anchors; the version byte
 * names the record format and tree rules (domain/record-tree.ts, version 1); the root is the 32
 * bytes of the record tree's root as its hex shows them; the period is UTF-8 text such as
 * "block:812345". OP_FALSE first makes the output provably unspendable, so it carries 0 sats.
 */
import { LockingScript, OP, Transaction, Utils } from '@bsv/sdk'

export const ANCHOR_TAG = 'memepool'
const ROOT_BYTES = 32
/** Pushes below this length are a single length byte; the payload never needs more than PUSHDATA1. */
const DIRECT_PUSH_LIMIT = 0x4c
const OP_PUSHDATA1 = 0x4c

export interface AnchorPayload {
  version: number
  root: string
  /** e.g. "block:812345". */
  period: string
}

export function periodLabel(kind: 'block', key: number): string {
  return `${kind}:${key}`
}

export function anchorScript(payload: AnchorPayload): LockingScript {
  return new LockingScript()
    .writeOpCode(OP.OP_FALSE)
    .writeOpCode(OP.OP_RETURN)
    .writeBin(Utils.toArray(ANCHOR_TAG, 'utf8'))
    .writeBin([payload.version])
    .writeBin(Utils.toArray(payload.root, 'hex'))
    .writeBin(Utils.toArray(payload.period, 'utf8'))
}

/** The data pushes after OP_FALSE OP_RETURN, or undefined when the script is not of that form. */
function dataPushes(script: readonly number[]): number[][] | undefined {
  if (script[0] !== OP.OP_FALSE || script[1] !== OP.OP_RETURN) return undefined
  const pushes: number[][] = []
  let pos = 2
  while (pos < script.length) {
    const op = script[pos++]!
    let length: number
    if (op > 0 && op < DIRECT_PUSH_LIMIT) length = op
    else if (op === OP_PUSHDATA1 && pos < script.length) length = script[pos++]!
    else return undefined
    if (pos + length > script.length) return undefined
    pushes.push(script.slice(pos, pos + length))
    pos += length
  }
  return pushes
}

/** The payload of a script, or undefined when it is not a Memepool anchor. */
export function parseAnchorScript(script: readonly number[]): AnchorPayload | undefined {
  const pushes = dataPushes(script)
  if (pushes?.length !== 4) return undefined
  const [tag, version, root, period] = pushes as [number[], number[], number[], number[]]
  if (Utils.toUTF8(tag) !== ANCHOR_TAG || version.length !== 1 || root.length !== ROOT_BYTES) return undefined
  return { version: version[0]!, root: Utils.toHex(root), period: Utils.toUTF8(period) }
}

/** The first anchor payload among a raw transaction's outputs, or undefined when it has none. */
export function findAnchorPayload(rawTxHex: string): AnchorPayload | undefined {
  let tx: Transaction
  try {
    tx = Transaction.fromHex(rawTxHex)
  } catch {
    return undefined
  }
  for (const output of tx.outputs) {
    const payload = parseAnchorScript(output.lockingScript.toBinary())
    if (payload) return payload
  }
  return undefined
}
