/**
 * A user's inbox (migration 0009, contracts/rounds.ts NotificationView): what a settled round
 * brought them.
 *
 *   reward_won          one per top-place credit (creator or owner share of a winning meme):
 *                       { height, memeId, title, amountSats, place, role }
 *   fast_viewer_reward  one per fast-viewer credit: { height, amountSats, place } (place in line)
 *   meme_earned         one per person and meme, their creator and owner shares of the meme's
 *                       view revenue in the streams whose pool was this round's (what the meme
 *                       took while the round was in progress): { height, memeId, title, amountSats }
 *
 * Written once per cause whatever the number of calls or processes: each row has a dedupe key
 * (`reward:<transfer id>`, `earned:<height>:<meme id>:<user id>`), unique in the table, and the
 * insert skips the keys that exist. recordRoundSettled answers only the rows it inserted, so the
 * caller pushes each notification on the WebSocket once.
 */
import type { Kysely, Selectable } from 'kysely'
import type { NotificationKind, NotificationsResponse, NotificationView } from '../../../contracts/rounds.ts'
import type { Database, NotificationsTable } from '../../adapters/db/schema.ts'
import type { RoundQueries } from './round-queries.ts'

/** Newest first, this many per request. */
export const DEFAULT_NOTIFICATIONS_LIMIT = 50
/** Rows per insert statement: well under PostgreSQL's 65,535 parameters at 5 columns a row. */
const INSERT_BATCH_ROWS = 1_000

export interface NewNotification {
  userId: string
  kind: NotificationKind
  dedupeKey: string
  data: Record<string, unknown>
  createdAt: Date
}

/** A notification and whose it is: what the caller pushes on `user:<userId>`. */
export interface UserNotification {
  userId: string
  notification: NotificationView
}

type NotificationRow = Pick<
  Selectable<NotificationsTable>,
  'id' | 'user_id' | 'kind' | 'data' | 'created_at' | 'read_at'
>

function toUserNotification(row: NotificationRow): UserNotification {
  const data = typeof row.data === 'string' ? JSON.parse(row.data) : row.data
  return {
    userId: row.user_id,
    notification: {
      id: Number(row.id),
      kind: row.kind as NotificationKind,
      data: data as Record<string, unknown>,
      createdAt: new Date(row.created_at).toISOString(),
      read: row.read_at !== null,
    },
  }
}

const COLUMNS = ['id', 'user_id', 'kind', 'data', 'created_at', 'read_at'] as const

/** Queries on notifications: one statement per method, no rules. */
export class NotificationsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts those whose dedupe key is new; answers the inserted rows, in id order. */
  async insertNew(notifications: readonly NewNotification[]): Promise<UserNotification[]> {
    const inserted: NotificationRow[] = []
    for (let i = 0; i < notifications.length; i += INSERT_BATCH_ROWS) {
      const rows = await this.db
        .insertInto('notifications')
        .values(
          notifications.slice(i, i + INSERT_BATCH_ROWS).map((n) => ({
            user_id: n.userId,
            kind: n.kind,
            dedupe_key: n.dedupeKey,
            data: JSON.stringify(n.data),
            created_at: n.createdAt,
          })),
        )
        .onConflict((oc) => oc.column('dedupe_key').doNothing())
        .returning(COLUMNS)
        .execute()
      inserted.push(...rows)
    }
    return inserted.sort((a, b) => Number(a.id) - Number(b.id)).map(toUserNotification)
  }

  async list(userId: string, limit: number): Promise<NotificationView[]> {
    const rows = await this.db
      .selectFrom('notifications')
      .select(COLUMNS)
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute()
    return rows.map((r) => toUserNotification(r).notification)
  }

  async unreadCount(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** Marks the user's unread notifications up to `upToId` read; answers how many changed. */
  async markRead(userId: string, upToId: number, now: Date): Promise<number> {
    const result = await this.db
      .updateTable('notifications')
      .set({ read_at: now })
      .where('user_id', '=', userId)
      .where('id', '<=', upToId)
      .where('read_at', 'is', null)
      .executeTakeFirst()
    return Number(result.numUpdatedRows)
  }
}

export interface NotificationsServiceOptions {
  notifications: NotificationsRepository
  rounds: Pick<RoundQueries, 'payouts'>
  now?: () => Date
}

export class NotificationsService {
  private readonly now: () => Date

  constructor(private readonly options: NotificationsServiceOptions) {
    this.now = options.now ?? (() => new Date())
  }

  /**
   * Writes the notifications of a settled round (see the file header) and answers those this
   * call wrote; nothing for a round that is not settled or was recorded before.
   */
  async recordRoundSettled(height: number): Promise<UserNotification[]> {
    const payouts = await this.options.rounds.payouts(height)
    if (!payouts) return []
    const createdAt = this.now()
    const rows: NewNotification[] = payouts.credits.map((credit) =>
      credit.reason === 'top'
        ? {
            userId: credit.userId,
            kind: 'reward_won',
            dedupeKey: `reward:${credit.transferId}`,
            data: {
              height,
              memeId: credit.memeId,
              title: credit.title,
              amountSats: credit.amountSats,
              place: credit.place,
              role: credit.role,
            },
            createdAt,
          }
        : {
            userId: credit.userId,
            kind: 'fast_viewer_reward',
            dedupeKey: `reward:${credit.transferId}`,
            data: { height, amountSats: credit.amountSats, place: credit.place },
            createdAt,
          },
    )
    for (const earning of payouts.memeEarnings) {
      if (earning.amountSats <= 0) continue
      rows.push({
        userId: earning.userId,
        kind: 'meme_earned',
        dedupeKey: `earned:${height}:${earning.memeId}:${earning.userId}`,
        data: { height, memeId: earning.memeId, title: earning.title, amountSats: earning.amountSats },
        createdAt,
      })
    }
    return this.options.notifications.insertNew(rows)
  }

  /** The user's newest notifications and how many of all theirs are unread. */
  async list(userId: string, limit = DEFAULT_NOTIFICATIONS_LIMIT): Promise<NotificationsResponse> {
    const [notifications, unread] = await Promise.all([
      this.options.notifications.list(userId, limit),
      this.options.notifications.unreadCount(userId),
    ])
    return { notifications, unread }
  }

  unreadCount(userId: string): Promise<number> {
    return this.options.notifications.unreadCount(userId)
  }

  /** Marks the user's notifications up to `upToId` read (others' ids are never touched). */
  async markRead(userId: string, upToId: number): Promise<number> {
    return this.options.notifications.markRead(userId, upToId, this.now())
  }
}
