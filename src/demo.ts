/**
 * The demo of a fresh install (DEMO, on by default with the embedded database on the devnet):
 * memes are already there on a first `npm start`, so that a newcomer can sign in, fund from the
 * faucet, watch and see a round close and pay out without preparing anything.
 *
 * Nothing is faked: DEMO_MEMES pictures are drawn (src/demo/pictures.ts) and uploaded through
 * ContentService.upload like an admin's upload, the transform workers animate and quality-check
 * them, and once one reaches review this module approves it with ContentService.approve, which
 * puts it in the round queue.
 *
 * Demo memes are the memes of the demo creators: address-only users with the fixed ids
 * DEMO_CREATOR_IDS, whose addresses come from fresh random keys that are thrown away at once (no
 * one can sign in as them; their earnings stay in their ledger accounts). Only their memes are
 * approved here, and only when they have an animation that passed the quality check; anything
 * else is left to a reviewer. Only admins upload, so no one but an admin could name a demo
 * creator on an upload.
 *
 * Idempotent: a demo meme is known by its title among the demo creators' memes, and only the
 * missing ones of the first DEMO_MEMES are uploaded; a restart, or a second process racing this
 * one, adds nothing twice (the same picture is the same bytes, refused as an exact duplicate).
 * Approval follows the bus (content.meme) and, for what the bus may not carry (another process's
 * workers, a restart), polls the database until no demo meme is on its way to the queue.
 */
import { randomUUID } from 'node:crypto'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { PrivateKey } from '@bsv/sdk'
import type { Bus } from './adapters/bus/bus.ts'
import type { Db } from './adapters/db/database.ts'
import type { MemeState } from './adapters/db/schema.ts'
import type { Config } from './config.ts'
import type { Content } from './content.ts'
import { DEMO_MEME_IDEAS, demoPicture } from './demo/pictures.ts'
import type { AppLogger } from './logger.ts'
import { UsersRepository } from './services/auth/users.repository.ts'

/** The demo creators' user ids; their memes are the demo memes. */
export const DEMO_CREATOR_IDS = ['demo-creator-1', 'demo-creator-2', 'demo-creator-3'] as const

/** How often the database is asked about demo memes on their way to the queue. */
const POLL_INTERVAL_MS = 5_000

/** States a demo meme passes on its way to the round queue; it is "pending" while in one. */
const ON_THE_WAY: readonly MemeState[] = ['validated', 'transforming', 'checked', 'in_review']

export interface DemoDeps {
  config: Config
  db: Db
  bus: Bus
  content: Pick<Content, 'service' | 'memes'>
  logger: AppLogger
  now?: () => Date
}

export interface Demo {
  /** Resolves, never rejects, once the missing demo memes are uploaded: how many were. */
  seeded: Promise<number>
  /** Ends the bus subscription and the polling, and waits for the work in flight. */
  stop(): Promise<void>
}

export async function seedDemo(deps: DemoDeps): Promise<Demo> {
  const { config, db, bus, content } = deps
  if (!config.demo.enabled) return { seeded: Promise.resolve(0), stop: async () => {} }
  const now = deps.now ?? (() => new Date())
  const log = deps.logger.child({ component: 'demo' })
  const creators = await demoCreators(new UsersRepository(db.kysely), config.chain, now)

  const demoMemes = () =>
    db.kysely
      .selectFrom('memes')
      .select(['id', 'title', 'state'])
      .where('creator_user_id', 'in', [...DEMO_CREATOR_IDS])
      .execute()

  let stopping = false
  const known = new Set<string>()
  /** Demo memes in review that are not approved here: told once, then left to a reviewer. */
  const leftForReviewer = new Set<string>()
  const inFlight = new Set<Promise<void>>()
  const checking = new Set<string>()
  let approvedHere = 0

  const track = (work: Promise<void>) => {
    inFlight.add(work)
    void work.finally(() => inFlight.delete(work))
  }

  /** Approves the demo meme if it is in review with an animation that passed the quality check. */
  const consider = async (memeId: string): Promise<void> => {
    if (checking.has(memeId) || stopping) return
    checking.add(memeId)
    try {
      const meme = await content.memes.byId(memeId)
      if (meme?.state !== 'in_review') return
      if (meme.animation === null || meme.quality?.ok !== true) {
        if (!leftForReviewer.has(memeId)) {
          leftForReviewer.add(memeId)
          log.warn(
            { memeId, title: meme.title, problems: meme.problems },
            `demo: meme "${meme.title}" needs a reviewer`,
          )
        }
        return
      }
      const result = await content.service.approve(memeId)
      if (result.status === 'ok') {
        approvedHere++
        log.info({ memeId, title: meme.title }, `demo: meme "${meme.title}" approved`)
      }
    } catch (error) {
      if (!stopping) log.warn({ err: error, memeId }, 'demo: checking a meme failed; will look again')
    } finally {
      checking.delete(memeId)
    }
  }

  const unsubscribe = bus.subscribe('content.meme', ({ memeId, progress }) => {
    // Progress reports are not state changes; a job's end reports null.
    if (progress === null && known.has(memeId)) track(consider(memeId))
  })

  let uploading = true
  let timer: NodeJS.Timeout | undefined
  const poll = async (): Promise<void> => {
    timer = undefined
    try {
      const memes = await demoMemes()
      for (const meme of memes) known.add(meme.id)
      for (const meme of memes) if (meme.state === 'in_review') await consider(meme.id)
      const pending = (await demoMemes()).filter(
        (m) => ON_THE_WAY.includes(m.state) && !leftForReviewer.has(m.id),
      )
      if (pending.length === 0 && !uploading) {
        if (approvedHere > 0) log.info({ memes: memes.length }, 'demo: every demo meme is through review')
        return
      }
    } catch (error) {
      if (!stopping) log.warn({ err: error }, 'demo: polling failed; will try again')
    }
    if (!stopping) {
      timer = setTimeout(() => track(poll()), POLL_INTERVAL_MS)
      timer.unref()
    }
  }

  const existing = await demoMemes()
  for (const meme of existing) known.add(meme.id)
  const titles = new Set(existing.map((m) => m.title))
  const missing = DEMO_MEME_IDEAS.slice(0, config.demo.memes)
    .map((idea, index) => ({ ...idea, index }))
    .filter((idea) => !titles.has(idea.title))

  const upload = async (): Promise<number> => {
    if (missing.length === 0) {
      log.info({ memes: existing.length }, `demo: nothing to seed; ${existing.length} demo memes there`)
      return 0
    }
    const tmpDir = path.join(config.dataDir, 'tmp', 'demo')
    await mkdir(tmpDir, { recursive: true })
    let queued = 0
    for (const idea of missing) {
      if (stopping) break
      const file = path.join(tmpDir, `${randomUUID()}.png`)
      try {
        await writeFile(file, await demoPicture(idea.index))
        const result = await content.service.upload({
          tempPath: file,
          creator: creators[idea.index % creators.length]!.address,
          title: idea.title,
          tags: idea.tags,
        })
        if (result.status === 'created') {
          known.add(result.meme.id)
          queued++
        } else if (result.status !== 'DUPLICATE_MEME') {
          // A duplicate is this picture uploaded already (another process); anything else is a bug.
          log.warn(
            { title: idea.title, status: result.status, detail: result.detail },
            'demo: a picture was refused',
          )
        }
      } finally {
        await rm(file, { force: true })
      }
    }
    log.info({ memes: queued }, `demo: ${queued} memes queued for animation`)
    return queued
  }

  const seeded = upload()
    .catch((error: unknown) => {
      if (!stopping) log.error({ err: error }, 'demo: seeding failed')
      return 0
    })
    .finally(() => {
      uploading = false
    })
  track(seeded.then(() => {}))
  track(poll())

  return {
    seeded,
    async stop() {
      stopping = true
      unsubscribe()
      if (timer) clearTimeout(timer)
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
    },
  }
}

/** The demo creators, made on first use with addresses of fresh keys that nobody keeps. */
async function demoCreators(
  users: UsersRepository,
  chain: Config['chain'],
  now: () => Date,
): Promise<Array<{ id: string; address: string }>> {
  const creators: Array<{ id: string; address: string }> = []
  for (const id of DEMO_CREATOR_IDS) {
    let user = await users.findById(id)
    if (!user) {
      const address = PrivateKey.fromRandom()
        .toPublicKey()
        .toAddress(chain === 'test' ? 'testnet' : 'mainnet')
      // Another process may make it at the same moment; then its row is the one.
      user = await users.insertAddressOnlyIfAbsent(id, address, now()).catch(() => users.findById(id))
    }
    if (!user?.address) throw new Error(`demo creator ${id} has no address`)
    creators.push({ id, address: user.address })
  }
  return creators
}
