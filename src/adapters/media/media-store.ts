/**
 * Content-addressed media files (SPEC 4 "Media"): a file is stored once under the SHA-256 of its
 * bytes, as `<root>/<first two hex>/<sha256>.<ext>`, so a name can never point at other content
 * and a second copy of the same bytes costs nothing. Files are written to a temporary name in the
 * same folder and renamed into place, so a crash never leaves half a file under a real name.
 *
 * Media links: the full animation is served only with a token that signs the file's hash and an
 * expiry time (HMAC-SHA256), or to an admin. Posters and thumbnails are public.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'

export const MEDIA_EXTENSIONS = ['png', 'jpg', 'gif', 'webp', 'mp4'] as const
export type MediaExtension = (typeof MEDIA_EXTENSIONS)[number]

export const MEDIA_CONTENT_TYPES: Record<MediaExtension, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
}

const SHA256_HEX = /^[0-9a-f]{64}$/

export interface StoredMedia {
  sha256: string
  ext: MediaExtension
}

export function mediaFileName(media: StoredMedia): string {
  return `${media.sha256}.${media.ext}`
}

/** Reads `<sha256>.<ext>` back into its parts; undefined for anything else. */
export function parseMediaFileName(name: string): StoredMedia | undefined {
  const dot = name.indexOf('.')
  const sha256 = name.slice(0, dot)
  const ext = name.slice(dot + 1) as MediaExtension
  if (dot < 0 || !SHA256_HEX.test(sha256) || !MEDIA_EXTENSIONS.includes(ext)) return undefined
  return { sha256, ext }
}

export async function sha256OfFile(filePath: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(filePath), hash)
  return hash.digest('hex')
}

export class MediaStore {
  constructor(readonly root: string) {}

  pathOf(media: StoredMedia): string {
    return path.join(this.root, media.sha256.slice(0, 2), mediaFileName(media))
  }

  /** Copies `filePath` into the store (once per content) and returns its address. */
  async put(filePath: string, ext: MediaExtension): Promise<StoredMedia> {
    const media = { sha256: await sha256OfFile(filePath), ext }
    const target = this.pathOf(media)
    if (await exists(target)) return media
    await mkdir(path.dirname(target), { recursive: true })
    const temporary = `${target}.${randomUUID()}.tmp`
    try {
      await copyFile(filePath, temporary)
      await rename(temporary, target)
    } finally {
      await rm(temporary, { force: true })
    }
    return media
  }

  async size(media: StoredMedia): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(media))).size
    } catch {
      return undefined
    }
  }
}

async function exists(filePath: string): Promise<boolean> {
  try {
    await stat(filePath)
    return true
  } catch {
    return false
  }
}

/** Signs and checks short-lived links to one media file. */
export class MediaTokens {
  constructor(
    private readonly secret: Buffer,
    private readonly now: () => Date = () => new Date(),
  ) {}

  issue(sha256: string, ttlSeconds: number): string {
    const expiresAt = Math.floor(this.now().getTime() / 1000) + ttlSeconds
    return `${expiresAt}.${this.mac(sha256, expiresAt)}`
  }

  verify(sha256: string, token: string): boolean {
    const [expiresText, mac] = token.split('.')
    const expiresAt = Number(expiresText)
    if (!Number.isSafeInteger(expiresAt) || mac === undefined) return false
    if (expiresAt < this.now().getTime() / 1000) return false
    const expected = Buffer.from(this.mac(sha256, expiresAt))
    const given = Buffer.from(mac)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  private mac(sha256: string, expiresAt: number): string {
    return createHmac('sha256', this.secret).update(`${sha256}.${expiresAt}`).digest('base64url')
  }
}
