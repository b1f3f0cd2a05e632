/**
 * Rounds, their results and what people earned (contracts/rounds.ts):
 *   GET  /rounds/current                           the open round with its live leaderboard
 *   GET  /rounds?before=&limit=                    the block timeline, newest first
 *   GET  /rounds/:height                           one round: memes, leaderboard, settlement
 *   GET  /rounds/:height/memes/:memeId/splits      where every sat a meme took in a round went
 *   GET  /me/earnings                              the signed-in user's earnings
 *   GET  /me/notifications                         their notifications, newest first
 *   POST /me/notifications/read                    marks theirs read up to an id (204)
 * Round pages are public; /me needs a session.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import {
  CurrentRoundResponse,
  EarningsResponse,
  MarkReadBody,
  NotificationsResponse,
  RoundMemeParams,
  RoundParams,
  RoundsQuery,
  RoundsResponse,
  RoundView,
  SplitLogResponse,
} from '../../../contracts/rounds.ts'
import type { NotificationsService } from '../../services/rounds/notifications.ts'
import type { RoundQueries } from '../../services/rounds/round-queries.ts'
import { requireUser } from '../auth/plugin.ts'
import { AppError } from '../errors.ts'
import { ERROR_RESPONSES } from '../openapi.ts'

export interface RoundsRoutesOptions {
  queries: Pick<RoundQueries, 'current' | 'list' | 'detail' | 'splitLog' | 'earnings'>
  notifications: Pick<NotificationsService, 'list' | 'markRead'>
}

export function roundsRoutes(options: RoundsRoutesOptions): FastifyPluginAsyncTypebox {
  const { queries, notifications } = options
  return async (app) => {
    app.get(
      '/rounds/current',
      {
        schema: {
          tags: ['rounds'],
          summary: 'The open round with its live leaderboard (null before the first block).',
          response: { 200: CurrentRoundResponse, ...ERROR_RESPONSES },
        },
      },
      () => queries.current(),
    )

    app.get(
      '/rounds',
      {
        schema: {
          tags: ['rounds'],
          summary: 'Rounds below a height, newest first: the block timeline.',
          querystring: RoundsQuery,
          response: { 200: RoundsResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => ({ rounds: await queries.list(request.query) }),
    )

    app.get(
      '/rounds/:height',
      {
        schema: {
          tags: ['rounds'],
          summary: 'One round: its memes ranked, its pool and, once settled, who was paid what.',
          params: RoundParams,
          response: { 200: RoundView, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const round = await queries.detail(request.params.height)
        if (!round) throw new AppError('NOT_FOUND', { details: { height: request.params.height } })
        return round
      },
    )

    app.get(
      '/rounds/:height/memes/:memeId/splits',
      {
        schema: {
          tags: ['rounds'],
          summary:
            'Every flush of view revenue a meme took while the round was in progress, split into fee, creator, owner and pool, and what it won.',
          params: RoundMemeParams,
          response: { 200: SplitLogResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const { height, memeId } = request.params
        const log = await queries.splitLog(height, memeId)
        if (!log) throw new AppError('NOT_FOUND', { details: { height, memeId } })
        return log
      },
    )

    app.get(
      '/me/earnings',
      {
        config: { auth: 'user' },
        schema: {
          tags: ['rounds'],
          summary: 'What you earned as creator and owner of memes and from rewards, by day and by meme.',
          response: { 200: EarningsResponse, ...ERROR_RESPONSES },
        },
      },
      (request) => queries.earnings(requireUser(request).id),
    )

    app.get(
      '/me/notifications',
      {
        config: { auth: 'user' },
        schema: {
          tags: ['rounds'],
          summary: 'Your newest notifications and how many are unread.',
          response: { 200: NotificationsResponse, ...ERROR_RESPONSES },
        },
      },
      (request) => notifications.list(requireUser(request).id),
    )

    app.post(
      '/me/notifications/read',
      {
        config: { auth: 'user' },
        schema: {
          tags: ['rounds'],
          summary: 'Marks your notifications read up to and including an id.',
          body: MarkReadBody,
          response: { 204: Type.Null({ description: 'Marked read.' }), ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        await notifications.markRead(requireUser(request).id, request.body.upToId)
        return reply.code(204).send(null)
      },
    )
  }
}
