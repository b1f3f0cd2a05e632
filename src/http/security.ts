/**
 * Security headers (helmet) and the Content Security Policy. The policy is written for the
 * Vite-built SPA: scripts and styles only from this origin (Vite emits no inline script in a
 * production build), images from here or data:/blob: URLs (QR codes, upload previews), media from
 * here or blob:, and network connections to this origin (HTTP and WebSocket) plus the local
 * endpoints where BRC-100 desktop wallets listen (SPEC 7: "any BRC-100 wallet through the SDK's
 * wallet client", whose HTTP substrates call these addresses from the page).
 */
import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'

export type CspDirectives = Record<string, string[]>

/** Where @bsv/sdk's WalletClient looks for a BRC-100 wallet over HTTP on the user's machine. */
export const BRC100_WALLET_ORIGINS = [
  'http://localhost:3321',
  'http://localhost:3301',
  'https://localhost:2121',
]

/** One year, the value browsers' preload lists expect. */
const HSTS_MAX_AGE_SECONDS = 31_536_000

function webSocketOrigin(publicUrl: URL): string {
  return `${publicUrl.protocol === 'https:' ? 'wss:' : 'ws:'}//${publicUrl.host}`
}

export function cspDirectives(
  publicUrl: string,
  options: { allowInlineStyles?: boolean } = {},
): CspDirectives {
  const url = new URL(publicUrl)
  const directives: CspDirectives = {
    'default-src': ["'self'"],
    'base-uri': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': options.allowInlineStyles ? ["'self'", "'unsafe-inline'"] : ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'media-src': ["'self'", 'blob:'],
    'font-src': ["'self'", 'data:'],
    // 'self' covers ws(s) to this origin in current browsers; the explicit origin covers older ones.
    'connect-src': ["'self'", webSocketOrigin(url), ...BRC100_WALLET_ORIGINS],
    'object-src': ["'none'"],
    'frame-ancestors': ["'none'"],
    'form-action': ["'self'"],
  }
  // Only over HTTPS: on plain-HTTP development hosts it would break every asset URL.
  if (url.protocol === 'https:') directives['upgrade-insecure-requests'] = []
  return directives
}

export function serializeCsp(directives: CspDirectives): string {
  return Object.entries(directives)
    .map(([name, values]) => [name, ...values].join(' '))
    .join('; ')
}

export async function registerSecurityHeaders(app: FastifyInstance, publicUrl: string): Promise<void> {
  const https = new URL(publicUrl).protocol === 'https:'
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(publicUrl) },
    frameguard: { action: 'deny' },
    // A Strict-Transport-Security header on an http:// site would pin browsers to an HTTPS
    // version that does not exist (e.g. on localhost), so it is sent only for HTTPS sites.
    strictTransportSecurity: https ? { maxAge: HSTS_MAX_AGE_SECONDS, includeSubDomains: true } : false,
  })
}
