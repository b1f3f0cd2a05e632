/**
 * The demo of a fresh install (DEMO, on by default with the embedded database on the devnet):
 * memes are already there on a first `npm start`, and keep coming round after round, so that a
 * newcomer who takes a few minutes to sign in and fund from the faucet still finds rounds with
 * memes to watch, and sees one close and pay out without preparing anything.
 *
 * Nothing is faked: pictures are drawn (src/demo/pictures.ts) and uploaded through
 * ContentService.upload like an admin's upload, the transform workers animate and quality-check
 * them, and this module approves them with ContentService.approve, which puts them in the round
 * queue; the round engine takes the queue into the round each block opens.
 *
 * A drip, not a flood: a round takes every approved meme up to MEMES_PER_ROUND, so approving all
 * demo memes at once would fill the first round or two and leave every later one empty. Instead,
 * animated demo memes wait in review and at most DEMO_PER_ROUND of them are approved per block:
 * each `chain.block` message allows DEMO_PER_ROUND approvals until the next one (the round engine
 * assigns the queue on that same block, so they compete from the block after). On the very first
 * start (no demo meme approved yet) the same allowance is there before any block, so the first
 * rounds have memes quickly. However the round engine keeps up, no more than 2 x DEMO_PER_ROUND
 * demo memes wait in the queue.
 *
 * Bounded storage: pictures are uploaded in the background, one at a time (the transform workers
 * are CPU-heavy), only while fewer than 2 x DEMO_PER_ROUND demo memes are on their way or
 * waiting in review, and never past the first DEMO_MEMES titles (about 5 MB of media each).
 *
 * Demo memes are the memes of the demo creators: address-only users with the fixed ids
 * DEMO_CREATOR_IDS, whose addresses come from fresh random keys that are thrown away at once (no
 * one can sign in as them; their earnings stay in their ledger accounts). Only their memes are
 * approved here, and only when they have an animation that passed the quality check; anything
 * else is left to a reviewer. Only admins upload, so no one but an admin could name a demo
 * creator on an upload.
 *
 * For sale: with a market (`DemoDeps.market`), the demo creators also list a few of their memes
 * once they are in a round, so that a newcomer has something to buy (src/demo/listings.ts). A
 * sale (the bus topic market.updated) makes the demo look again, to list the next one.
 *
 * Restart-safe and idempotent: everything is read back from the database (a demo meme is known
 * by its title among the demo creators' memes), so a restart resumes the drip and the uploads
 * where they were, and adds nothing twice (the same picture is the same bytes, refused as an
 * exact duplicate if a second process races this one). The bus (content.meme, chain.block)
 * says when to look; for what it may not carry (another process's workers) the database is
 * polled while a demo meme is on its way through the transform workers.
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
import { listDemoMemes } from './demo/listings.ts'
import { DEMO_MEME_IDEAS, demoPicture } from './demo/pictures.ts'
import type { AppLogger } from './logger.ts'
import { UsersRepository } from './services/auth/users.repository.ts'
import type { MarketService } from './services/market/market.service.ts'

/** The demo creators' user ids; their memes are the demo memes. */
export const DEMO_CREATOR_IDS = ['demo-creator-1', 'demo-creator-2', 'demo-creator-3'] as const

/** How often the database is asked about demo memes going through the transform workers. */
const POLL_INTERVAL_MS = 5_000

/** States a demo meme passes through the transform workers, before review. */
const ON_THE_WAY: readonly MemeState[] = ['validated', 'transforming', 'checked']

/** How long a block's allowance waits for the round engine to open the block's round. */
const ROUND_WAIT_MS = 10_000

/**
 * Per DEMO_PER_ROUND: demo memes kept on their way or waiting in review (the buffer), and demo
 * memes at most in the round queue.
 */
const BUFFER_ROUNDS = 2

export interface DemoDeps {
  config: Config
  db: Db
  bus: Bus
  content: Pick<Content, 'service' | 'memes'>
  /** Where the demo creators list a few memes for sale; without it they list nothing. */
  market?: Pick<MarketService, 'list'>
  logger: AppLogger
  now?: () => Date
}

export interface Demo {
  /**
   * Resolves, never rejects, once this process has nothing more to upload (all DEMO_MEMES demo
   * memes exist, or it stopped): how many it uploaded. The drip goes on after it.
   */
  seeded: Promise<number>
  /** Ends the bus subscriptions and the polling, and waits for the work in flight. */
  stop(): Promise<void>
}

interface DemoMemeRow {
  id: string
  title: string
  state: MemeState
  owner_user_id: string
}

export async function seedDemo(deps: DemoDeps): Promise<Demo> {
  const { config, db, bus, content } = deps
  if (!config.demo.enabled) return { seeded: Promise.resolve(0), stop: async () => {} }
  const now = deps.now ?? (() => new Date())
  const log = deps.logger.child({ component: 'demo' })
  const creators = await demoCreators(new UsersRepository(db.kysely), config.chain, now)
  const perRound = config.demo.perRound
  const buffer = BUFFER_ROUNDS * perRound
  const ideas = DEMO_MEME_IDEAS.slice(0, config.demo.memes).map((idea, index) => ({ ...idea, index }))

  const demoMemes = (): Promise<DemoMemeRow[]> =>
    db.kysely
      .selectFrom('memes')
      .select(['id', 'title', 'state', 'owner_user_id'])
      .where('creator_user_id', 'in', [...DEMO_CREATOR_IDS])
      .orderBy('created_at')
      .orderBy('id')
      .execute()

  const existing = await demoMemes()
  /** Approvals allowed until the next block; the first start has them before any block. */
  let allowance = existing.some((m) => m.state === 'approved' || m.state === 'assigned') ? 0 : perRound

  let stopping = false
  const known = new Set(existing.map((m) => m.id))
  /** Whether a demo meme in review is ready to approve (animated, quality checked), by id. */
  const readiness = new Map<string, boolean>()
  /** Titles whose upload was refused: not tried again by this process. */
  const refused = new Set<string>()
  const inFlight = new Set<Promise<void>>()
  let approvedHere = 0
  let uploaded = 0
  let uploadRunning = false
  let uploadsOver = false
  let throughLogged = false
  let timer: NodeJS.Timeout | undefined
  /** The last block seen, until its round is open (or ROUND_WAIT_MS passed without one). */
  let blockWaiting: { height: number; since: number } | undefined
  let roundTimer: NodeJS.Timeout | undefined
  let resolveSeeded: (count: number) => void = () => {}
  const seeded = new Promise<number>((resolve) => {
    resolveSeeded = resolve
  })

  const track = (work: Promise<void>) => {
    inFlight.add(work)
    void work.finally(() => inFlight.delete(work))
  }

  const endUploads = () => {
    if (uploadsOver) return
    uploadsOver = true
    resolveSeeded(uploaded)
    if (uploaded > 0) log.info({ memes: uploaded }, `demo: ${uploaded} memes uploaded for animation`)
  }

  /** Whether the demo meme, in review, has an animation that passed the quality check. */
  const ready = async (memeId: string): Promise<boolean> => {
    const cached = readiness.get(memeId)
    if (cached !== undefined) return cached
    const meme = await content.memes.byId(memeId)
    if (meme?.state !== 'in_review') return false
    const ok = meme.animation !== null && meme.quality?.ok === true
    readiness.set(memeId, ok)
    if (!ok) {
      log.warn(
        { memeId, title: meme.title, problems: meme.problems },
        `demo: meme "${meme.title}" needs a reviewer`,
      )
    }
    return ok
  }

  const upload = async (idea: (typeof ideas)[number]): Promise<void> => {
    const tmpDir = path.join(config.dataDir, 'tmp', 'demo')
    await mkdir(tmpDir, { recursive: true })
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
        uploaded++
        log.info({ memeId: result.meme.id, title: idea.title }, `demo: meme "${idea.title}" uploaded`)
      } else {
        refused.add(idea.title)
        // A duplicate is this picture uploaded already (another process); anything else is a bug.
        if (result.status !== 'DUPLICATE_MEME') {
          log.warn(
            { title: idea.title, status: result.status, detail: result.detail },
            'demo: a picture was refused',
          )
        }
      }
    } finally {
      await rm(file, { force: true })
    }
  }

  const startUpload = (idea: (typeof ideas)[number]) => {
    uploadRunning = true
    track(
      upload(idea)
        .catch((error: unknown) => {
          if (!stopping)
            log.error({ err: error, title: idea.title }, 'demo: uploading failed; no more uploads')
          endUploads()
        })
        .finally(() => {
          uploadRunning = false
          kick()
        }),
    )
  }

  /** Looks at the demo memes: approves what the allowance allows, and tops up the buffer. */
  const step = async (): Promise<void> => {
    if (blockWaiting) {
      const opened = await db.kysely
        .selectFrom('rounds')
        .select('height')
        .where('height', '>=', blockWaiting.height)
        .limit(1)
        .executeTakeFirst()
      if (opened || Date.now() - blockWaiting.since >= ROUND_WAIT_MS) {
        blockWaiting = undefined
        allowance = perRound
      }
    }
    const memes = await demoMemes()
    const waiting: DemoMemeRow[] = []
    let onTheWay = 0
    let queued = 0
    for (const meme of memes) {
      known.add(meme.id)
      if (meme.state !== 'in_review') readiness.delete(meme.id)
      if (ON_THE_WAY.includes(meme.state)) onTheWay++
      else if (meme.state === 'approved') queued++
      else if (meme.state === 'in_review' && (await ready(meme.id))) waiting.push(meme)
    }

    // The drip: oldest first, within the allowance, and no pile-up if rounds do not take them.
    while (allowance > 0 && queued < buffer && waiting.length > 0 && !stopping) {
      const meme = waiting.shift()!
      const result = await content.service.approve(meme.id)
      if (result.status !== 'ok') continue // moved meanwhile, by a reviewer or another process
      allowance--
      queued++
      approvedHere++
      log.info({ memeId: meme.id, title: meme.title }, `demo: meme "${meme.title}" approved`)
    }

    // The top-up: the next title while the buffer runs low.
    if (!uploadsOver && !uploadRunning && !stopping) {
      const titles = new Set(memes.map((m) => m.title))
      const next = ideas.find((idea) => !titles.has(idea.title) && !refused.has(idea.title))
      if (!next || memes.length >= ideas.length) endUploads()
      else if (onTheWay + waiting.length < buffer) startUpload(next)
    }

    if (deps.market && !stopping) {
      const listed = await listDemoMemes(memes, {
        db,
        market: deps.market,
        minimumPriceSats: config.money.marketMinPriceSats,
        creatorIds: DEMO_CREATOR_IDS,
      })
      for (const { memeId, priceSats } of listed)
        log.info({ memeId, priceSats }, `demo: meme ${memeId} listed for ${priceSats} sats`)
    }

    if (uploadsOver && onTheWay === 0 && waiting.length === 0 && approvedHere > 0 && !throughLogged) {
      throughLogged = true
      log.info({ memes: memes.length }, 'demo: every demo meme is through review')
    }
    if ((onTheWay > 0 || uploadRunning) && !stopping && !timer) {
      timer = setTimeout(() => {
        timer = undefined
        kick()
      }, POLL_INTERVAL_MS)
      timer.unref()
    }
  }

  // Steps run one at a time; a kick during one runs another after it.
  let running = false
  let again = false
  const kick = (): void => {
    if (stopping) return
    if (running) {
      again = true
      return
    }
    running = true
    track(
      (async () => {
        do {
          again = false
          try {
            await step()
          } catch (error) {
            if (!stopping) log.warn({ err: error }, 'demo: looking at the demo memes failed; will look again')
          }
        } while (again && !stopping)
        running = false
      })(),
    )
  }

  const unsubscribers = [
    bus.subscribe('content.meme', ({ memeId, progress }) => {
      // Progress reports are not state changes; a job's end reports null.
      if (progress === null && known.has(memeId)) kick()
    }),
    bus.subscribe('chain.block', ({ height }) => {
      // The allowance of the block before ends here. The new one starts once the round engine has
      // taken the queue into this block's round, so that what is approved now waits for the next.
      allowance = 0
      blockWaiting = { height, since: Date.now() }
      if (roundTimer) clearTimeout(roundTimer)
      roundTimer = setTimeout(kick, ROUND_WAIT_MS + 100)
      roundTimer.unref()
      kick()
    }),
    bus.subscribe('round.updated', ({ height }) => {
      if (blockWaiting && height !== null && height >= blockWaiting.height) kick()
    }),
    bus.subscribe('market.updated', ({ kind }) => {
      // A sale may have taken one of the demo's listings: the next demo meme takes its place.
      if (kind === 'sold' && deps.market) kick()
    }),
  ]

  const titles = new Set(existing.map((m) => m.title))
  if (existing.length >= ideas.length || ideas.every((idea) => titles.has(idea.title))) {
    log.info({ memes: existing.length }, `demo: nothing to seed; ${existing.length} demo memes there`)
  }
  kick()

  return {
    seeded,
    async stop() {
      stopping = true
      for (const unsubscribe of unsubscribers) unsubscribe()
      if (timer) clearTimeout(timer)
      if (roundTimer) clearTimeout(roundTimer)
      while (inFlight.size > 0) await Promise.allSettled([...inFlight])
      endUploads()
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
