/**
 * Serves the built web app (web/dist) and decides what an unmatched request gets:
 *  - a file from web/dist when one exists (hashed assets cached for a year, the rest revalidated);
 *  - index.html for a browser navigation (GET/HEAD accepting text/html) outside the server's own
 *    paths, so client-side routes like /market load the SPA;
 *  - a JSON 404 NOT_FOUND for everything else, in particular any unknown /api path.
 * Without a build the navigation gets a small 503 page that says how to build it.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { AppError, sendError } from './errors.ts'

export interface WebAppOptions {
  /** Folder holding Vite's build output (index.html and assets/). */
  distDir: string
}

/** Vite puts content-hashed files under assets/: a changed file gets a new name. */
const HASHED_ASSETS_SEGMENT = `${path.sep}assets${path.sep}`
const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable'
/** index.html and unhashed files may change with any deploy, so browsers revalidate them. */
const REVALIDATE_CACHE = 'no-cache'

const SERVER_PATHS = new Set(['/health', '/ready', '/metrics', '/api'])

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Memepool: web app not built</title></head>
<body>
<h1>The web app is not built</h1>
<p>The API is running, but there is no web/dist folder to serve. Run <code>npm run build:web</code>
(or start the server with <code>npm start</code>, which builds it) and reload this page.</p>
<p>API documentation: <a href="/api/v1/docs">/api/v1/docs</a></p>
</body>
</html>
`

function pathnameOf(url: string): string {
  const queryStart = url.indexOf('?')
  return queryStart === -1 ? url : url.slice(0, queryStart)
}

/** Paths the server answers itself; the SPA never owns them. */
export function isServerPath(pathname: string): boolean {
  return SERVER_PATHS.has(pathname) || pathname.startsWith('/api/')
}

function isSpaNavigation(request: FastifyRequest): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false
  if (isServerPath(pathnameOf(request.url))) return false
  return (request.headers.accept ?? '').includes('text/html')
}

function setCacheHeaders(reply: FastifyReply, filePath: string): void {
  reply.header('cache-control', filePath.includes(HASHED_ASSETS_SEGMENT) ? IMMUTABLE_CACHE : REVALIDATE_CACHE)
}

export async function registerWebApp(app: FastifyInstance, options: WebAppOptions): Promise<void> {
  const built = existsSync(path.join(options.distDir, 'index.html'))
  if (built) {
    await app.register(fastifyStatic, {
      root: options.distDir,
      wildcard: true,
      // Unknown /api paths go straight to the JSON 404 without touching the disk.
      allowedPath: (pathname) => !isServerPath(pathname),
      setHeaders: setCacheHeaders,
    })
  }

  app.setNotFoundHandler(async (request, reply) => {
    if (!isSpaNavigation(request)) return sendError(request, reply, new AppError('NOT_FOUND'))
    if (built) return reply.header('cache-control', REVALIDATE_CACHE).sendFile('index.html')
    return reply
      .code(503)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(NOT_BUILT_PAGE)
  })
}
