/**
 * Proves the ffmpeg plumbing with fake binaries (shell scripts that record what they receive),
 * so it runs where no ffmpeg is installed: the binary is found in /usr/bin or on the given PATH
 * only if executable; frames handed over out of order reach ffmpeg in order; and a failing
 * ffmpeg fails the writer with its own message.
 */
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findFfmpeg, Mp4Writer } from './ffmpeg.ts'
import { type ScratchDir, scratchDir } from './test-images.ts'

/** Where a real ffmpeg would win over PATH; on a machine that has one, it is the answer. */
const SYSTEM_FFMPEG = existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : null

let scratch: ScratchDir

beforeAll(async () => {
  scratch = await scratchDir()
})
afterAll(() => scratch.cleanup())

async function script(dir: string, body: string, mode = 0o755): Promise<string> {
  await mkdir(dir, { recursive: true })
  const file = path.join(dir, 'ffmpeg')
  await writeFile(file, `#!/bin/sh\n${body}\n`)
  await chmod(file, mode)
  return file
}

describe('findFfmpeg', () => {
  it('takes the first executable ffmpeg on the PATH given, skipping files it cannot run', async () => {
    const notExecutable = path.join(scratch.dir, 'bin-a')
    await script(notExecutable, 'exit 0', 0o644)
    const executable = await script(path.join(scratch.dir, 'bin-b'), 'exit 0')
    const pathVariable = [path.join(scratch.dir, 'empty'), notExecutable, path.dirname(executable)].join(':')
    expect(await findFfmpeg(pathVariable)).toBe(SYSTEM_FFMPEG ?? executable)
  })

  it('answers null when there is none', async () => {
    expect(await findFfmpeg(path.join(scratch.dir, 'empty'))).toBe(SYSTEM_FFMPEG)
    expect(await findFfmpeg()).toBe(SYSTEM_FFMPEG)
  })
})

describe('Mp4Writer', () => {
  it('feeds frames to ffmpeg in frame order whatever order they are written in', async () => {
    const fake = await script(path.join(scratch.dir, 'recorder'), 'for last; do :; done\ncat > "$last"')
    const output = path.join(scratch.dir, 'ordered.mp4')
    const writer = new Mp4Writer(fake, 2, 1, 30, output)
    const frame = (value: number) => new Uint8Array(2 * 4).fill(value)
    await Promise.all([writer.write(2, frame(3)), writer.write(0, frame(1)), writer.write(1, frame(2))])
    await writer.finish()
    expect([...(await readFile(output))]).toEqual([...frame(1), ...frame(2), ...frame(3)])
  })

  it('fails with what ffmpeg printed when it exits with an error', async () => {
    const fake = await script(
      path.join(scratch.dir, 'failing'),
      'cat > /dev/null\necho "No space left" >&2\nexit 1',
    )
    const writer = new Mp4Writer(fake, 2, 1, 30, path.join(scratch.dir, 'failed.mp4'))
    await writer.write(0, new Uint8Array(8))
    await expect(writer.finish()).rejects.toThrow(/exited with 1: No space left/)
  })

  it('fails when the binary cannot be started', async () => {
    const writer = new Mp4Writer(path.join(scratch.dir, 'missing', 'ffmpeg'), 2, 1, 30, 'unused.mp4')
    await expect(writer.finish()).rejects.toThrow(/ENOENT/)
  })
})
