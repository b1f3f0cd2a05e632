/**
 * Starts the content pipeline (SPEC 4): the media store under DATA_DIR/media, the upload and
 * review services, the transformation workers (in roles that run them), and the routes. The
 * engine is the local one unless TRANSFORMER=aitubo, which then fetches sources from this server
 * through signed media links on PUBLIC_URL.
 */
import path from 'node:path'
import { AituboClient } from './adapters/aitubo/aitubo-client.ts'
import { AituboTransformer } from './adapters/aitubo/aitubo-transformer.ts'
import type { Bus } from './adapters/bus/bus.ts'
import type { Db } from './adapters/db/database.ts'
import { MediaStore, MediaTokens, parseMediaFileName } from './adapters/media/media-store.ts'
import { JobQueue } from './adapters/queue/job-queue.ts'
import type { Config } from './config.ts'
import type { ApiRoutes } from './http/app.ts'
import { AdminMemeViews, contentRoutes, mediaUrl } from './http/routes/content.ts'
import type { AppLogger } from './logger.ts'
import { UsersRepository } from './services/auth/users.repository.ts'
import { ContentService } from './services/content/content.service.ts'
import { findFfmpeg } from './services/content/engine/ffmpeg.ts'
import { LocalEngine } from './services/content/engine/local-engine.ts'
import {
  DEFAULT_TRANSFORM_SETTINGS,
  FALLBACK_TRANSFORM_SETTINGS,
  type Transformer,
} from './services/content/engine/transformer.ts'
import { MemesRepository } from './services/content/memes.repository.ts'
import { TransformWorker } from './services/content/transform-worker.ts'
import type { WalletKeys } from './services/wallet/keys.ts'

/** AITubo gets an hour to fetch the source image it was given a link to. */
const AITUBO_SOURCE_LINK_TTL_S = 3600

export interface Content {
  routes: ApiRoutes
  service: ContentService
  memes: MemesRepository
  /** Memes as admins see them, live progress included (routes and the admin:content channel). */
  views: AdminMemeViews
  media: MediaStore
  tokens: MediaTokens
  stop: () => Promise<void>
}

export async function startContent(deps: {
  config: Config
  db: Db
  bus: Bus
  keys: WalletKeys
  logger: AppLogger
}): Promise<Content> {
  const { config, db, bus } = deps
  const log = deps.logger.child({ component: 'content' })
  const media = new MediaStore(path.join(config.dataDir, 'media'))
  const tokens = new MediaTokens(deps.keys.secretFor('media-links'))
  const memes = new MemesRepository(db.kysely)
  const jobs = new JobQueue(db.kysely)
  const workDir = path.join(config.dataDir, 'tmp', 'work')
  const service = new ContentService({
    db: db.kysely,
    memes,
    users: new UsersRepository(db.kysely),
    media,
    jobs,
    bus,
    workDir,
    minShortSidePx: config.content.minShortSidePx,
    transformAttempts: config.content.transformAttempts,
  })
  const views = new AdminMemeViews(memes, bus)
  const routes = contentRoutes({
    content: service,
    memes,
    media,
    tokens,
    views,
    uploadDir: path.join(config.dataDir, 'tmp', 'uploads'),
    memesPerRound: config.content.memesPerRound,
  })

  let stop = async () => {}
  if (config.role !== 'api' && config.content.transformWorkers > 0) {
    const ffmpegPath = await findFfmpeg()
    const transformer = makeTransformer(config, ffmpegPath, tokens, log)
    log.info(
      { engine: transformer.kind, mp4: ffmpegPath !== null, workers: config.content.transformWorkers },
      'transform workers',
    )
    const worker = new TransformWorker({
      jobs,
      memes,
      media,
      content: service,
      transformer,
      settings: { default: DEFAULT_TRANSFORM_SETTINGS, fallback: FALLBACK_TRANSFORM_SETTINGS },
      workDir,
      workerId: `${process.pid}-${Date.now()}`,
      logger: log,
    })
    const stopWorker = worker.start(config.content.transformWorkers)
    stop = async () => {
      await stopWorker()
      if (transformer instanceof LocalEngine) await transformer.close()
    }
  }
  return { routes, service, memes, views, media, tokens, stop: () => stop() }
}

function makeTransformer(
  config: Config,
  ffmpegPath: string | null,
  tokens: MediaTokens,
  log: AppLogger,
): Transformer {
  if (config.transformer === 'local' || !config.aituboApiKey) return new LocalEngine({ ffmpegPath })
  const client = new AituboClient({ baseUrl: config.aituboUrl, apiKey: config.aituboApiKey, logger: log })
  return new AituboTransformer({
    client,
    ...(ffmpegPath && { ffmpegPath }),
    imageUrlFor: async (sourcePath) => {
      const stored = parseMediaFileName(path.basename(sourcePath))
      if (!stored) throw new Error(`not a stored media file: ${sourcePath}`)
      return `${config.publicUrl}${mediaUrl(stored, tokens.issue(stored.sha256, AITUBO_SOURCE_LINK_TTL_S))}`
    },
  })
}
