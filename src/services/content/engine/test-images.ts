/**
 * Test support for the engine and quality tests (imported only by *.test.ts): a scratch folder
 * in the OS temp dir and source images generated with sharp at run time, with gradients, shapes
 * and lettering so that any motion changes many pixels.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import sharp from 'sharp'

export interface ScratchDir {
  dir: string
  /** Every name in the folder, hidden ones included. */
  list(): Promise<string[]>
  cleanup(): Promise<void>
}

export async function scratchDir(): Promise<ScratchDir> {
  const dir = await mkdtemp(path.join(tmpdir(), 'memepool-engine-'))
  return {
    dir,
    list: () => readdir(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  }
}

/** Writes a PNG scene of the given size into `dir` and returns its path. */
export async function writeScene(
  dir: string,
  width: number,
  height: number,
  name = 'source.png',
): Promise<string> {
  const short = Math.min(width, height)
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="sky" x2="1" y2="1">
      <stop offset="0" stop-color="#e8452c"/><stop offset="1" stop-color="#2c4be8"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#sky)"/>
    <circle cx="${width * 0.3}" cy="${height * 0.45}" r="${short * 0.22}" fill="#ffd23f"/>
    <rect x="${width * 0.55}" y="${height * 0.2}" width="${short * 0.3}" height="${short * 0.45}" fill="#111"/>
    <text x="${width * 0.08}" y="${height * 0.9}" font-size="${short * 0.12}" fill="#fff">such motion</text>
  </svg>`
  const file = path.join(dir, name)
  await sharp(Buffer.from(svg)).png().toFile(file)
  return file
}
