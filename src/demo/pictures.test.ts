import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { MAX_TAG_LENGTH, MAX_TAGS, MAX_TITLE_LENGTH } from '../../contracts/content.ts'
import { loadConfig } from '../config.ts'
import {
  hammingDistance,
  NEAR_DUPLICATE_MAX_DISTANCE,
  perceptualHash,
} from '../services/content/validation/perceptual-hash.ts'
import { validateImage } from '../services/content/validation/validate-image.ts'
import { DEMO_MEME_IDEAS, demoPicture, MAX_DEMO_MEMES } from './pictures.ts'

describe('demo pictures', () => {
  it('have a distinct, valid title and tags each, as many as DEMO_MEMES allows', () => {
    expect(MAX_DEMO_MEMES).toBe(50)
    expect(() => loadConfig({ DEMO_MEMES: String(MAX_DEMO_MEMES) })).not.toThrow()
    expect(() => loadConfig({ DEMO_MEMES: String(MAX_DEMO_MEMES + 1) })).toThrow(/DEMO_MEMES/)
    expect(new Set(DEMO_MEME_IDEAS.map((idea) => idea.title)).size).toBe(MAX_DEMO_MEMES)
    for (const { title, tags } of DEMO_MEME_IDEAS) {
      expect(title.length).toBeLessThanOrEqual(MAX_TITLE_LENGTH)
      const list = tags.split(',')
      expect(list).toContain('demo')
      expect(list.length).toBeLessThanOrEqual(MAX_TAGS)
      for (const tag of list) expect(tag).toMatch(new RegExp(`^[a-z0-9 _-]{1,${MAX_TAG_LENGTH}}$`))
    }
  })

  it('are the same bytes on every call, and pass upload validation', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'memepool-demo-pictures-'))
    try {
      const first = await demoPicture(0)
      expect((await demoPicture(0)).equals(first)).toBe(true)
      for (const index of [0, 5, 11]) {
        const file = path.join(dir, `${index}.png`)
        await writeFile(file, await demoPicture(index))
        const result = await validateImage(file, { minShortSidePx: 1080 })
        expect(result.ok && result.image).toMatchObject({ format: 'png', width: 1920, height: 1080 })
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('are never near-duplicates of each other, with a margin', { timeout: 60_000 }, async () => {
    const hashes: string[] = []
    for (let index = 0; index < MAX_DEMO_MEMES; index++)
      hashes.push(await perceptualHash(await demoPicture(index)))
    let closest = Number.POSITIVE_INFINITY
    for (let a = 0; a < hashes.length; a++) {
      for (let b = a + 1; b < hashes.length; b++)
        closest = Math.min(closest, hammingDistance(hashes[a]!, hashes[b]!))
    }
    expect(closest).toBeGreaterThan(NEAR_DUPLICATE_MAX_DISTANCE + 4)
  })

  it('refuses a number past the last', async () => {
    await expect(demoPicture(MAX_DEMO_MEMES)).rejects.toThrow(/demo pictures/)
  })
})
