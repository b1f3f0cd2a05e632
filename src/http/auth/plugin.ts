/**
 * Who is asking, and may they. The single mechanism for authentication and permissions:
 *
 *  - A request's session token comes from the `mp_session` cookie (browsers) or from
 *    `Authorization: Bearer <token>` (WebSocket and non-browser clients; it wins when both are
 *    sent). It is resolved into `request.user` for every /api request, before the rate limiter
 *    runs, so that a signed-in client is counted by user id rather than by IP. Elsewhere
 *    (static files, probes) no session is looked up and `request.user` stays null, unless the
 *    route declares auth.
 *  - A route declares what it needs in its config, and nothing else:
 *        app.get('/admin/things', { config: { auth: 'admin' } }, handler)
 *    'user' refuses a request without a live session (401 UNAUTHORIZED); 'admin' also refuses
 *    a signed-in non-admin (403 FORBIDDEN). The check is attached to each such route as it is
 *    added (onRoute), so it runs after the app-wide hooks (request id, rate limit) and before
 *    the body is read or validated: a stranger learns nothing about a protected route's schema.
 *
 * registerAuth must run before the rate limiter and before any route is added.
 */
import cookie from '@fastify/cookie'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { SESSION_COOKIE } from '../../../contracts/auth.ts'
import type { ActiveSession, AuthService, SessionUser } from '../../services/auth/auth.service.ts'
import { AppError } from '../errors.ts'
import { clientIpKey, isRateLimitedPath } from '../rate-limit.ts'

/** What a route requires of its caller. */
export type RouteAuth = 'user' | 'admin'

/** The signed-in user of a request and when their session ends. */
export interface RequestUser extends SessionUser {
  sessionExpiresAt: Date
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Declares the route's permission; see src/http/auth/plugin.ts. */
    auth?: RouteAuth
  }
  interface FastifyRequest {
    /** The session's user: set for /api requests and auth-declaring routes with a live session. */
    user: RequestUser | null
  }
}

export interface AuthPluginOptions {
  sessions: Pick<AuthService, 'resolveSession'>
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i

/** The token the request presents, from the Authorization header or the session cookie. */
export function presentedToken(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization)
    if (match) return match[1]
  }
  return request.cookies[SESSION_COOKIE]
}

/** The rate limiter's key: the user when a session was presented, else the client's IP. */
export function rateLimitKey(request: FastifyRequest): string {
  return request.user ? `user:${request.user.id}` : clientIpKey(request)
}

/** The signed-in user of a route that declares auth; the hook has refused everyone else. */
export function requireUser(request: FastifyRequest): RequestUser {
  if (request.user === null) throw new AppError('UNAUTHORIZED')
  return request.user
}

function toRequestUser(session: ActiveSession): RequestUser {
  return { ...session.user, sessionExpiresAt: session.expiresAt }
}

export async function registerAuth(app: FastifyInstance, options: AuthPluginOptions): Promise<void> {
  await app.register(cookie)
  app.decorateRequest('user', null)

  // Requests already looked up, so the /api hook and a route's check never query twice.
  const identified = new WeakSet<FastifyRequest>()
  const identify = async (request: FastifyRequest): Promise<void> => {
    if (identified.has(request)) return
    identified.add(request)
    const token = presentedToken(request)
    if (token === undefined) return
    const session = await options.sessions.resolveSession(token)
    if (session !== null) request.user = toRequestUser(session)
  }

  app.addHook('onRequest', async (request) => {
    if (isRateLimitedPath(request.url)) await identify(request)
  })

  const checks: Record<RouteAuth, onRequestAsyncHookHandler> = {
    user: async (request) => {
      await identify(request)
      if (request.user === null) throw new AppError('UNAUTHORIZED')
    },
    admin: async (request) => {
      await identify(request)
      if (request.user === null) throw new AppError('UNAUTHORIZED')
      if (request.user.role !== 'admin') throw new AppError('FORBIDDEN')
    },
  }

  app.addHook('onRoute', (route) => {
    const auth = route.config?.auth
    if (auth === undefined) return
    const existing = route.onRequest === undefined ? [] : [route.onRequest].flat()
    route.onRequest = [checks[auth], ...existing]
  })
}

export interface SessionCookieOptions {
  /** Secure cookies when the site is served over HTTPS. */
  publicUrl: string
  now: () => Date
}

export interface SessionCookie {
  /** Sets the cookie to last exactly as long as the session. */
  set(reply: FastifyReply, token: string, expiresAt: Date): void
  clear(reply: FastifyReply): void
}

const MS_PER_SECOND = 1000

/** HttpOnly so page scripts never read it; SameSite=Lax so other sites' forms cannot use it. */
export function sessionCookie(options: SessionCookieOptions): SessionCookie {
  const attributes = {
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/',
    secure: new URL(options.publicUrl).protocol === 'https:',
  }
  return {
    set: (reply, token, expiresAt) => {
      const maxAgeSeconds = Math.ceil((expiresAt.getTime() - options.now().getTime()) / MS_PER_SECOND)
      reply.setCookie(SESSION_COOKIE, token, { ...attributes, maxAge: maxAgeSeconds })
    },
    clear: (reply) => {
      reply.clearCookie(SESSION_COOKIE, attributes)
    },
  }
}
