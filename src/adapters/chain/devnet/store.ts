/**
 * The devnet's state on disk: one JSON file of plain data (headers and raw transactions, no keys)
 * in `${dataDir}/devnet/chain.json`. Every write goes to a temporary file that is then renamed
 * over the old one, so a crash leaves either the old chain or the new one, never half of each.
 * Writes are serialised and coalesced: a burst of changes costs one or two writes, each of the
 * newest state.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { HASH_HEX_PATTERN } from '../bytes.ts'

export const DEVNET_FILE_FORMAT = 'memepool-devnet'
export const DEVNET_FILE_VERSION = 1
const STATE_FILE_NAME = 'chain.json'

const Hash = Type.String({ pattern: HASH_HEX_PATTERN })
const Uint32 = Type.Integer({ minimum: 0, maximum: 0xffffffff })
const TxHex = Type.String({ pattern: '^(?:[0-9a-f]{2})+$' })

const StoredBlock = Type.Object({
  hash: Hash,
  version: Uint32,
  prevHash: Hash,
  merkleRoot: Hash,
  time: Uint32,
  bits: Uint32,
  nonce: Uint32,
  /** Raw transactions in block order, the coinbase first. */
  txs: Type.Array(TxHex, { minItems: 1 }),
})

const StoredChain = Type.Object({
  format: Type.Literal(DEVNET_FILE_FORMAT),
  version: Type.Literal(DEVNET_FILE_VERSION),
  blocks: Type.Array(StoredBlock, { minItems: 1 }),
  /** Raw mempool transactions in arrival order. */
  mempool: Type.Array(TxHex),
})

export interface StoredBlock {
  hash: string
  version: number
  prevHash: string
  merkleRoot: string
  time: number
  bits: number
  nonce: number
  txs: string[]
}

export interface StoredChain {
  format: typeof DEVNET_FILE_FORMAT
  version: typeof DEVNET_FILE_VERSION
  blocks: StoredBlock[]
  mempool: string[]
}

const checkStoredChain = TypeCompiler.Compile(StoredChain)

export class DevnetStore {
  readonly directory: string
  readonly file: string
  private writes: Promise<void> = Promise.resolve()
  private pending: (() => StoredChain) | undefined
  private tempCounter = 0

  constructor(dataDir: string) {
    this.directory = path.join(dataDir, 'devnet')
    this.file = path.join(this.directory, STATE_FILE_NAME)
  }

  /** The saved chain, or undefined when none was saved yet. A damaged file is an error, not a fresh start. */
  async load(): Promise<StoredChain | undefined> {
    let text: string
    try {
      text = await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    const data: unknown = JSON.parse(text)
    if (!checkStoredChain.Check(data)) {
      const first = checkStoredChain.Errors(data).First()
      throw new Error(`${this.file} is not a devnet state file (${first?.path} ${first?.message})`)
    }
    return data
  }

  /**
   * Saves the state that `snapshot` returns when the write starts. Calls made while a write is in
   * flight share the next write, which takes the newest snapshot.
   */
  save(snapshot: () => StoredChain): Promise<void> {
    const alreadyQueued = this.pending !== undefined
    this.pending = snapshot
    if (alreadyQueued) return this.writes
    const write = this.writes
      .catch(() => {
        // The previous write's failure was reported to its caller; this write starts afresh.
      })
      .then(() => this.writeNow())
    this.writes = write
    return write
  }

  /** Resolves when every save so far has reached the disk (or failed). */
  async flush(): Promise<void> {
    await this.writes.catch(() => {})
  }

  private async writeNow(): Promise<void> {
    const snapshot = this.pending
    this.pending = undefined
    if (!snapshot) return
    await mkdir(this.directory, { recursive: true })
    this.tempCounter += 1
    const temp = `${this.file}.${process.pid}.${this.tempCounter}.tmp`
    await writeFile(temp, JSON.stringify(snapshot()))
    await rename(temp, this.file)
  }
}
