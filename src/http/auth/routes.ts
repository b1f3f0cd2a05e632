/**
 * Wallet login endpoints (SPEC 7, contracts/auth.ts), under /api/v1/auth. The rules live in
 * AuthService; these handlers only translate: a rejection value into its error code, a new
 * session into the cookie and the SessionResponse.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { ChallengeResponse, LoginQuery, LoginRequest, SessionResponse } from '../../../contracts/auth.ts'
import type { ActiveSession, AuthService } from '../../services/auth/auth.service.ts'
import { AppError } from '../errors.ts'
import { ERROR_RESPONSES } from '../openapi.ts'
import { presentedToken, type RequestUser, requireUser, type SessionCookie } from './plugin.ts'

export interface AuthRoutesOptions {
  auth: AuthService
  cookie: SessionCookie
}

function sessionResponse(session: ActiveSession, token?: string): SessionResponse {
  const { user } = session
  return {
    user: {
      id: user.id,
      address: user.address,
      identityKey: user.identityKey,
      role: user.role,
      createdAt: user.createdAt.toISOString(),
    },
    expiresAt: session.expiresAt.toISOString(),
    ...(token === undefined ? {} : { token }),
  }
}

function wantsBearerToken(query: LoginQuery): boolean {
  return query.bearer === '1' || query.bearer === 'true'
}

function currentSession(user: RequestUser): ActiveSession {
  const { sessionExpiresAt, ...rest } = user
  return { user: rest, expiresAt: sessionExpiresAt }
}

export const authRoutes: FastifyPluginAsyncTypebox<AuthRoutesOptions> = async (app, { auth, cookie }) => {
  app.post(
    '/auth/challenge',
    {
      schema: {
        tags: ['auth'],
        summary: 'A single-use message to sign with a wallet; it names this site and expires in 5 minutes.',
        response: { 200: ChallengeResponse, ...ERROR_RESPONSES },
      },
    },
    async () => {
      const challenge = await auth.issueChallenge()
      return { ...challenge, expiresAt: challenge.expiresAt.toISOString() }
    },
  )

  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a signed challenge; starts a session held in the mp_session cookie.',
        description:
          'The challenge is consumed by this attempt whatever its outcome. With ?bearer=1 the ' +
          'session token is also returned in the body, for clients that send it as a Bearer token.',
        body: LoginRequest,
        querystring: LoginQuery,
        response: { 200: SessionResponse, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const outcome = await auth.login(request.body)
      if (!outcome.ok) {
        throw new AppError(outcome.code, 'details' in outcome ? { details: outcome.details } : {})
      }
      cookie.set(reply, outcome.token, outcome.session.expiresAt)
      return sessionResponse(outcome.session, wantsBearerToken(request.query) ? outcome.token : undefined)
    },
  )

  app.post(
    '/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: 'Ends the current session and clears the cookie; succeeds without one too.',
        response: { 204: Type.Null({ description: 'Signed out.' }), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await auth.logout(presentedToken(request))
      cookie.clear(reply)
      return reply.code(204).send(null)
    },
  )

  app.get(
    '/auth/me',
    {
      config: { auth: 'user' },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user and when the session ends.',
        response: { 200: SessionResponse, ...ERROR_RESPONSES },
      },
    },
    async (request) => sessionResponse(currentSession(requireUser(request))),
  )
}
