/**
 * Optional MP4 output through an ffmpeg binary, when the machine has one. None is bundled:
 * ffmpeg-static downloads its binary at install time (which fails offline), and the wasm build
 * does not run on Node. Frames go to ffmpeg's stdin as raw RGBA, so nothing but the finished
 * MP4 touches the disk. fluent-ffmpeg is deprecated and archived, so the command line is built
 * here.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import path from 'node:path'

/** Enough of ffmpeg's stderr to explain a failure. */
const STDERR_TAIL_BYTES = 4_096
/** x264 speed/size trade-off: the MP4 is a convenience copy, the WebP is what is checked. */
const X264_PRESET = 'veryfast'
/** Constant rate factor: 20 is visually lossless for this kind of content. */
const X264_CRF = '20'

/**
 * The first executable ffmpeg in /usr/bin, then in the directories of `pathVariable` (the PATH
 * value from parsed configuration: this module does not read the environment). Null when none.
 */
export async function findFfmpeg(pathVariable?: string): Promise<string | null> {
  const directories = ['/usr/bin', ...(pathVariable ?? '').split(path.delimiter).filter((d) => d !== '')]
  for (const directory of directories) {
    const candidate = path.join(directory, 'ffmpeg')
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // Not here; try the next directory.
    }
  }
  return null
}

function mp4Arguments(width: number, height: number, fps: number, outputPath: string): string[] {
  return [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
    ...['-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${width}x${height}`, '-r', String(fps), '-i', 'pipe:0'],
    ...['-an', '-c:v', 'libx264', '-preset', X264_PRESET, '-crf', X264_CRF],
    // yuv420p is what every browser and phone plays; +faststart moves the index to the front
    // so playback can begin before the download ends.
    ...['-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-y', outputPath],
  ]
}

/**
 * One ffmpeg process fed frames in order. `write` may be called for frames out of order (the
 * render lanes finish in any order); each call resolves once its frame has been written to the
 * pipe, which holds the caller back while ffmpeg is slower than rendering.
 */
export class Mp4Writer {
  private readonly child: ChildProcess
  private readonly exited: Promise<number | null>
  private readonly waiting = new Map<number, () => void>()
  private nextFrameIndex = 0
  private writes: Promise<void> = Promise.resolve()
  private stderrTail = ''

  constructor(ffmpegPath: string, width: number, height: number, fps: number, outputPath: string) {
    this.child = spawn(ffmpegPath, mp4Arguments(width, height, fps, outputPath), {
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    this.child.stderr!.on('data', (data: Buffer) => {
      this.stderrTail = (this.stderrTail + data.toString('utf8')).slice(-STDERR_TAIL_BYTES)
    })
    // A write to a pipe whose reader died fails; the exit code then says why.
    this.child.stdin!.on('error', () => {})
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject)
      this.child.once('close', resolve)
    })
    // Awaited by finish(); a spawn failure before then must not count as unhandled.
    this.exited.catch(() => {})
  }

  write(frameIndex: number, frame: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.set(frameIndex, () => {
        this.writes = this.writes.then(() => this.writeToPipe(frame))
        this.writes.then(resolve, reject)
      })
      for (
        let next = this.waiting.get(this.nextFrameIndex);
        next;
        next = this.waiting.get(this.nextFrameIndex)
      ) {
        this.waiting.delete(this.nextFrameIndex)
        this.nextFrameIndex++
        next()
      }
    })
  }

  /** Closes the input after the last frame and waits for ffmpeg to finish the file. */
  async finish(): Promise<void> {
    await this.writes
    this.child.stdin!.end()
    const code = await this.exited
    if (code !== 0) throw new Error(`ffmpeg exited with ${code}: ${this.stderrTail.trim()}`)
  }

  /** Stops ffmpeg at once (on abort or failure); the half-written file goes with the staging dir. */
  kill(): void {
    this.child.kill('SIGKILL')
  }

  private writeToPipe(frame: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.child.stdin!.write(frame, (error) => {
        if (error)
          reject(new Error(`ffmpeg stopped reading frames: ${this.stderrTail.trim() || error.message}`))
        else resolve()
      })
    })
  }
}
