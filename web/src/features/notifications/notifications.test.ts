/**
 * Proves the notifications: each kind reads as a sentence with its amount, round and place, even
 * with data missing; marking read lowers the count by what it covered and clears it up to the
 * newest; a live notification is added once, on top, and counted; and on a real store it reaches
 * the cached list.
 */
import { describe, expect, test } from 'vitest'
import type { NotificationsResponse, NotificationView } from '../../../../contracts/rounds.ts'
import { makeStore } from '../../app/store.ts'
import {
  addNotification,
  markRead,
  type NotificationsDispatch,
  type NotificationsState,
  notificationReceived,
  notificationsApi,
} from './notificationsApi.ts'
import { notificationLink, notificationText } from './notificationWording.ts'

function notification(id: number, fields: Partial<NotificationView> = {}): NotificationView {
  return {
    id,
    kind: 'reward_won',
    data: { height: 812, memeId: 'm1', title: 'Doge', amountSats: 1234, place: 1, role: 'owner' },
    createdAt: '2025-01-01T00:00:00.000Z',
    read: false,
    ...fields,
  }
}

describe('notificationText', () => {
  test('each kind as a sentence', () => {
    expect(notificationText(notification(1))).toBe(
      'You won 1,234 sats in round 812: Doge took first place (your owner share).',
    )
    expect(
      notificationText({ kind: 'fast_viewer_reward', data: { height: 812, amountSats: 5, place: 12 } }),
    ).toBe('You won 5 sats in round 812 as one of its first viewers (#12).')
    expect(
      notificationText({
        kind: 'meme_earned',
        data: { height: 812, memeId: 'm1', title: 'Doge', amountSats: 1 },
      }),
    ).toBe('Doge earned you 1 sat in round 812.')
  })

  test('missing or odd data leaves its words out', () => {
    expect(notificationText({ kind: 'reward_won', data: { amountSats: '12' } })).toBe('You won a reward.')
    expect(notificationLink({ data: {} })).toBeNull()
    expect(notificationLink({ data: { height: 812 } })).toBe('/rounds/812')
  })
})

describe('markRead and addNotification', () => {
  const held = (): NotificationsResponse => ({
    notifications: [notification(3), notification(2), notification(1, { read: true })],
    unread: 2,
  })

  test('up to the newest clears the count; up to an older one lowers it by what it covered', () => {
    const all = held()
    markRead(all, 3)
    expect(all.unread).toBe(0)
    expect(all.notifications.every((n) => n.read)).toBe(true)
    const some = held()
    markRead(some, 2)
    expect(some.unread).toBe(1)
    expect(some.notifications.map((n) => n.read)).toEqual([false, true, true])
  })

  test('a live one is added once, on top, and counted', () => {
    const list = held()
    addNotification(list, notification(4))
    addNotification(list, notification(4))
    expect(list.notifications.map((n) => n.id)).toEqual([4, 3, 2, 1])
    expect(list.unread).toBe(3)
  })

  test('on a real store, a notification from the channel reaches the cached list', async () => {
    const store = makeStore()
    const dispatch = store.dispatch as NotificationsDispatch
    await dispatch(notificationsApi.util.upsertQueryData('getNotifications', undefined, held()))
    dispatch(notificationReceived(notification(9)))
    const state = store.getState() as NotificationsState
    const list = notificationsApi.endpoints.getNotifications.select()(state).data
    expect(list?.notifications[0]?.id).toBe(9)
    expect(list?.unread).toBe(3)
  })
})
