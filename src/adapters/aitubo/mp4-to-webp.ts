/**
 * Turns AITubo's MP4 into the looping animated WebP the platform plays, with an ffmpeg binary
 * (spawned directly; fluent-ffmpeg is deprecated). ffmpeg's `libwebp_anim` encoder writes all
 * frames through libwebp and the WebP muxer's `-loop 0` makes it loop forever.
 *
 * UNVERIFIED here: no ffmpeg was installed where this was written, so these arguments were
 * checked against ffmpeg's documentation (encoder `libwebp_anim`, its `-quality` option, the
 * muxer's `-loop`), not run. Debian's ffmpeg links libwebp; other builds may not.
 */
import { spawn } from 'node:child_process'

/** How much of ffmpeg's complaint is kept for the error message. */
const MAX_STDERR_CHARS = 2_000

export interface Mp4ToWebpOptions {
  /** libwebp quality, 0..100. */
  quality: number
  signal?: AbortSignal
}

export function mp4ToWebpArgs(mp4Path: string, webpPath: string, quality: number): string[] {
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
    ...['-i', mp4Path, '-an'],
    ...['-c:v', 'libwebp_anim', '-quality', String(quality), '-loop', '0'],
    webpPath,
  ]
}

export function convertMp4ToWebp(
  ffmpegPath: string,
  mp4Path: string,
  webpPath: string,
  options: Mp4ToWebpOptions,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath, mp4ToWebpArgs(mp4Path, webpPath, options.quality), {
      stdio: ['ignore', 'ignore', 'pipe'],
      signal: options.signal,
    })
    let stderr = ''
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (text: string) => {
      stderr = (stderr + text).slice(-MAX_STDERR_CHARS)
    })
    child.on('error', reject)
    child.on('close', (exitCode, signalName) => {
      if (exitCode === 0) resolve()
      else reject(new Error(`ffmpeg ended with ${exitCode ?? signalName}: ${stderr.trim()}`))
    })
  })
}
