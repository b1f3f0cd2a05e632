/**
 * The signed-in user's notifications, newest first: rewards won, what memes earned them, each
 * with its round. New ones arrive live at the top. "Mark all as read" clears the bell's count.
 */
import { Link } from 'react-router'
import type { NotificationView } from '../../../../contracts/rounds.ts'
import { useAppDispatch } from '../../app/hooks.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { toDisplayError } from '../../components/errorMessages.ts'
import { formatDateTime, formatInteger } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { ActionError, QueryError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { useMeQuery } from '../auth/authApi.ts'
import { connectDialogOpened } from '../auth/authSlice.ts'
import { preloadConnectWalletDialog } from '../auth/ConnectWalletDialogHost.tsx'
import { useGetNotificationsQuery, useNotificationsReadMutation } from './notificationsApi.ts'
import { notificationLink, notificationText } from './notificationWording.ts'
import './notifications.css'

function NotificationItem({ notification }: { notification: NotificationView }) {
  const link = notificationLink(notification)
  return (
    <li className="notification" data-read={notification.read}>
      {!notification.read && <span className="visually-hidden">Unread: </span>}
      <p className="notification-text">{notificationText(notification)}</p>
      <p className="notification-meta">
        <time dateTime={notification.createdAt}>{formatDateTime(notification.createdAt)}</time>
        {link && (
          <>
            {' · '}
            <Link to={link}>See the round</Link>
          </>
        )}
      </p>
    </li>
  )
}

function NotificationList() {
  const { data, error, isLoading } = useGetNotificationsQuery()
  const [markRead, marking] = useNotificationsReadMutation()
  if (isLoading) return <p className="status-muted">Loading your notifications…</p>
  if (!data) return <QueryError what="your notifications" error={error} />
  const newest = data.notifications[0]
  if (newest === undefined) {
    return (
      <EmptyState title="No notifications yet">
        when a round settles, the rewards you won and what your memes earned in it are listed here.
      </EmptyState>
    )
  }
  return (
    <>
      <div className="notifications-actions">
        <p className="status-muted">
          {data.unread === 0 ? 'All read.' : `${formatInteger(data.unread)} unread.`}
        </p>
        <button
          type="button"
          className="button button-secondary"
          disabled={data.unread === 0 || marking.isLoading}
          onClick={() => void markRead({ upToId: newest.id })}
        >
          Mark all as read
        </button>
      </div>
      {marking.isError && <ActionError error={toDisplayError(marking.error)} />}
      <ul className="notifications">
        {data.notifications.map((notification) => (
          <NotificationItem key={notification.id} notification={notification} />
        ))}
      </ul>
    </>
  )
}

export function NotificationsPage() {
  const { data: session, isLoading } = useMeQuery()
  const dispatch = useAppDispatch()
  return (
    <Page title="Notifications" purpose="Rewards you won and what your memes earned, round by round.">
      <Section title="Latest">
        {isLoading ? (
          <p className="status-muted">Checking who is signed in…</p>
        ) : session ? (
          <NotificationList />
        ) : (
          <>
            <EmptyState title="Not signed in">
              connect a wallet to see your notifications: the rewards you win and what your memes earn.
            </EmptyState>
            <p>
              <button
                type="button"
                className="button button-primary"
                onClick={() => dispatch(connectDialogOpened())}
                onPointerEnter={preloadConnectWalletDialog}
                onFocus={preloadConnectWalletDialog}
              >
                Connect a wallet
              </button>
            </p>
          </>
        )}
      </Section>
    </Page>
  )
}
