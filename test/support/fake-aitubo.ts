/**
 * A local stand-in for AITubo's video API (reference/content.md section 1), on 127.0.0.1 with a
 * free port, speaking the real routes:
 *   POST /api/job/create-video  (Bearer key)  -> { code: 0, data: { id } }
 *   GET  /api/job/get-video?id= (Bearer key)  -> { code: 0, data: { status, result: { data: { domain, video, image } } } }
 *   GET  /files/...                            the result video and cover image (no key, like a CDN)
 * A wrong or missing key gets HTTP 401 { code: 401, message } that echoes the key it was sent,
 * as careless servers do, so tests can prove the client never repeats it.
 *
 * A job reports `jobStatuses` on successive polls (the last one repeats): [0, 1, 2] by default;
 * [0, 3] fails, [1] never finishes. Faults are queued per route with `queue`: each request to
 * the route takes the next queued answer instead of the normal one (a status, a body, headers,
 * a delay). Every request is recorded so tests can assert headers and counts.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import sharp from 'sharp'

export type FakeRoute = 'create-video' | 'get-video' | 'files'

export interface RecordedRequest {
  route: FakeRoute | 'unknown'
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
  atMs: number
}

export interface FakeAnswer {
  status: number
  body?: string | Buffer
  headers?: Record<string, string>
  /** Wait this long before answering (beyond the client's timeout, for timeouts). */
  delayMs?: number
}

export interface FakeVideoSpec {
  width: number
  height: number
  fps: number
  frameCount: number
}

function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload)
  const header = Buffer.alloc(8)
  header.writeUInt32BE(8 + body.length, 0)
  header.write(type, 4, 'latin1')
  return Buffer.concat([header, body])
}

function uint32s(...values: number[]): Buffer {
  const bytes = Buffer.alloc(4 * values.length)
  values.forEach((value, i) => {
    bytes.writeUInt32BE(value, 4 * i)
  })
  return bytes
}

/**
 * An MP4-shaped file: ftyp, a moov with one video track whose tkhd, mdhd, hdlr and stsz tell the
 * given size, rate and length, and an mdat of filler. It is not playable (there is no codec
 * data), but it is what the client's box reader needs, in a few hundred bytes.
 */
export function tinyMp4(spec: FakeVideoSpec, fillerBytes = 256): Buffer {
  const timescale = spec.fps * 1000
  const duration = spec.frameCount * 1000
  const matrix = uint32s(0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
  const tkhd = box(
    'tkhd',
    uint32s(3, 0, 0, 1, 0, duration, 0, 0, 0, 0),
    matrix,
    uint32s(spec.width * 0x10000, spec.height * 0x10000),
  )
  const mdhd = box('mdhd', uint32s(0, 0, 0, timescale, duration, 0))
  const hdlr = box(
    'hdlr',
    uint32s(0, 0),
    Buffer.from('vide'),
    uint32s(0, 0, 0),
    Buffer.from('VideoHandler\0'),
  )
  const stsz = box('stsz', uint32s(0, 1000, spec.frameCount))
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, box('minf', box('stbl', stsz))))
  const mvhd = box('mvhd', uint32s(0, 0, 0, timescale, duration), Buffer.alloc(80))
  return Buffer.concat([
    box('ftyp', Buffer.from('isom'), uint32s(0x200), Buffer.from('isomiso2avc1mp41')),
    box('moov', mvhd, trak),
    box('mdat', Buffer.alloc(fillerBytes, 0xab)),
  ])
}

export class FakeAitubo {
  readonly requests: RecordedRequest[] = []
  /** Statuses a job reports on successive polls; the last one repeats. */
  jobStatuses: number[] = [0, 1, 2]
  /** Sent as result.info when a job reports status 3. */
  failureInfo = 'generation failed: content filter'
  video: Buffer = tinyMp4({ width: 1920, height: 1080, fps: 30, frameCount: 90 })
  cover: Buffer | undefined
  /** Whether the result has a cover `image`. */
  withCover = true
  /** Whether file answers carry Content-Length (false: chunked, so a size cap must count bytes). */
  sendContentLength = true
  private readonly queued = new Map<FakeRoute, FakeAnswer[]>()
  private readonly pollsByJob = new Map<string, number>()
  private nextJob = 1

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    readonly apiKey: string,
  ) {}

  static async start(apiKey: string): Promise<FakeAitubo> {
    let fake: FakeAitubo | undefined
    const server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        const url = request.url ?? ''
        fake!.handle(
          {
            route: routeOf(url),
            method: request.method ?? '',
            url,
            headers: request.headers,
            body: Buffer.concat(chunks).toString(),
            atMs: performance.now(),
          },
          response,
        )
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    fake = new FakeAitubo(server, `http://127.0.0.1:${port}`, apiKey)
    fake.cover = await sharp({ create: { width: 1920, height: 1080, channels: 3, background: '#804020' } })
      .png()
      .toBuffer()
    return fake
  }

  /** The next requests to `route` get these answers, in order, instead of the normal one. */
  queue(route: FakeRoute, ...answers: FakeAnswer[]): void {
    this.queued.set(route, [...(this.queued.get(route) ?? []), ...answers])
  }

  requestsTo(route: FakeRoute): RecordedRequest[] {
    return this.requests.filter((request) => request.route === route)
  }

  /** Back to the default behaviour, with no requests recorded. */
  reset(): void {
    this.requests.length = 0
    this.queued.clear()
    this.pollsByJob.clear()
    this.nextJob = 1
    this.jobStatuses = [0, 1, 2]
    this.video = tinyMp4({ width: 1920, height: 1080, fps: 30, frameCount: 90 })
    this.withCover = true
    this.sendContentLength = true
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private handle(request: RecordedRequest, response: ServerResponse): void {
    this.requests.push(request)
    const reply = this.answerFor(request)
    const timer = setTimeout(() => this.send(response, reply), reply.delayMs ?? 0)
    response.on('close', () => clearTimeout(timer))
  }

  private answerFor(request: RecordedRequest): FakeAnswer {
    if (request.route === 'unknown') return json(404, { code: 404, message: 'no such route' })
    const queued = this.queued.get(request.route)?.shift()
    if (queued !== undefined) return queued
    if (request.route === 'files') return this.file(request.url)
    if (request.headers.authorization !== `Bearer ${this.apiKey}`) {
      // Echoes the credentials it was sent, so a client that quotes server messages would leak them.
      return json(401, { code: 401, message: `invalid token: ${request.headers.authorization ?? 'none'}` })
    }
    return request.route === 'create-video' ? this.create(request) : this.poll(request.url)
  }

  private create(request: RecordedRequest): FakeAnswer {
    let body: unknown
    try {
      body = JSON.parse(request.body)
    } catch {
      return json(400, { code: 400, message: 'body is not JSON' })
    }
    if (typeof (body as { image?: unknown }).image !== 'string') {
      return json(200, { code: 1001, message: 'image required' })
    }
    const id = `job-${this.nextJob++}`
    this.pollsByJob.set(id, 0)
    return json(200, { code: 0, data: { id, credit: 90, subCredit: 0, consumedCredit: 10 } })
  }

  private poll(url: string): FakeAnswer {
    const id = new URL(url, this.baseUrl).searchParams.get('id') ?? ''
    const polls = this.pollsByJob.get(id)
    if (polls === undefined) return json(200, { code: 404, message: `job ${id} not found` })
    this.pollsByJob.set(id, polls + 1)
    const status = this.jobStatuses[Math.min(polls, this.jobStatuses.length - 1)]!
    if (status === 3) {
      return json(200, { code: 0, data: { status, result: { code: 1, info: this.failureInfo } } })
    }
    if (status !== 2) return json(200, { code: 0, data: { status } })
    const data = {
      // A trailing slash on the domain and a leading one on the cover path, as seen in the wild.
      domain: `${this.baseUrl}/files/`,
      video: `video/${id}.mp4`,
      ...(this.withCover ? { image: `/cover/${id}.png` } : {}),
    }
    return json(200, { code: 0, data: { status, result: { code: 0, data } } })
  }

  private file(url: string): FakeAnswer {
    if (url.startsWith('/files/video/')) {
      return { status: 200, body: this.video, headers: { 'content-type': 'video/mp4' } }
    }
    if (url.startsWith('/files/cover/') && this.cover !== undefined) {
      return { status: 200, body: this.cover, headers: { 'content-type': 'image/png' } }
    }
    return { status: 404, body: 'not found', headers: { 'content-type': 'text/plain' } }
  }

  private send(response: ServerResponse, answer: FakeAnswer): void {
    if (response.destroyed) return
    const body = answer.body ?? ''
    const headers = { ...answer.headers }
    if (this.sendContentLength) headers['content-length'] = String(Buffer.byteLength(body))
    response.writeHead(answer.status, headers)
    response.end(body)
  }
}

function routeOf(url: string): FakeRoute | 'unknown' {
  const path = url.split('?')[0]
  if (path === '/api/job/create-video') return 'create-video'
  if (path === '/api/job/get-video') return 'get-video'
  return path?.startsWith('/files/') ? 'files' : 'unknown'
}

export function json(status: number, value: unknown): FakeAnswer {
  return { status, body: JSON.stringify(value), headers: { 'content-type': 'application/json' } }
}
