/**
 * The signed-in user's notifications (contracts/rounds.ts), injected into the one API slice:
 * the newest ones with the unread count, and marking them read up to an id. New ones arrive on
 * the user's channel (`notificationReceived`) and are put at the top of the cached list, so the
 * bell counts them without asking the server again.
 */
import type { ThunkAction, ThunkDispatch, UnknownAction } from '@reduxjs/toolkit'
import { useDispatch } from 'react-redux'
import type { MarkReadBody, NotificationsResponse, NotificationView } from '../../../../contracts/rounds.ts'
import { api } from '../../app/api.ts'

export const notificationsApi = api
  .enhanceEndpoints({ addTagTypes: ['Notifications', 'Earnings'] })
  .injectEndpoints({
    endpoints: (build) => ({
      getNotifications: build.query<NotificationsResponse, void>({
        query: () => 'api/v1/me/notifications',
        providesTags: ['Session', 'Notifications'],
      }),
      notificationsRead: build.mutation<void, MarkReadBody>({
        query: (body) => ({ url: 'api/v1/me/notifications/read', method: 'POST', body }),
        // Shown as read at once; put back if the server refuses.
        async onQueryStarted({ upToId }, { dispatch, queryFulfilled }) {
          const patch = dispatch(
            notificationsApi.util.updateQueryData('getNotifications', undefined, (draft) =>
              markRead(draft, upToId),
            ),
          )
          try {
            await queryFulfilled
          } catch {
            patch.undo()
          }
        },
      }),
    }),
  })

export const { useGetNotificationsQuery, useNotificationsReadMutation } = notificationsApi

/** The store as these endpoints see it (see contentApi.ts for why it is not RootState). */
export type NotificationsState = Parameters<typeof notificationsApi.util.selectCachedArgsForQuery>[0]
export type NotificationsDispatch = ThunkDispatch<NotificationsState, unknown, UnknownAction>
export const useNotificationsDispatch = useDispatch.withTypes<NotificationsDispatch>()

/**
 * Marks the held notifications up to `upToId` read and lowers the count by as many. The count
 * may cover older ones beyond the list; those are read too on the server, so marking up to the
 * newest clears it.
 */
export function markRead(held: NotificationsResponse, upToId: number): void {
  let newlyRead = 0
  for (const notification of held.notifications) {
    if (notification.id <= upToId && !notification.read) {
      notification.read = true
      newlyRead += 1
    }
  }
  const newest = held.notifications[0]
  const unreadNewer = held.notifications.filter((n) => n.id > upToId && !n.read).length
  held.unread =
    newest !== undefined && upToId >= newest.id ? 0 : Math.max(unreadNewer, held.unread - newlyRead)
}

/** Adds a notification that arrived live, once, at the top. */
export function addNotification(held: NotificationsResponse, notification: NotificationView): void {
  if (held.notifications.some((n) => n.id === notification.id)) return
  held.notifications.unshift(notification)
  held.notifications.sort((a, b) => b.id - a.id)
  if (!notification.read) held.unread += 1
}

/**
 * A notification from the user's channel: into the cached list if there is one (else the list
 * is fetched fresh when shown), and the earnings are asked for again, since every kind of
 * notification is money that arrived.
 */
export function notificationReceived(
  notification: NotificationView,
): ThunkAction<void, NotificationsState, unknown, UnknownAction> {
  return (dispatch) => {
    dispatch(
      notificationsApi.util.updateQueryData('getNotifications', undefined, (draft) =>
        addNotification(draft, notification),
      ),
    )
    dispatch(notificationsApi.util.invalidateTags(['Earnings']))
  }
}
