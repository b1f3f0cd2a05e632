/**
 * The header's bell: a link to the notifications page with the unread count, for signed-in users.
 * The count changes live (LiveUserFeed adds new notifications to the cached list). Its name says
 * the count, so a screen reader user hears "Notifications, 2 unread" on reaching it; the count
 * itself is not a live region, the toast already announces each new notification.
 */
import { NavLink } from 'react-router'
import { formatInteger } from '../../components/format.ts'
import { useGetNotificationsQuery } from './notificationsApi.ts'

/** Above this, the badge says "99+". */
const BADGE_MAX = 99

export function NotificationsBell() {
  const { data } = useGetNotificationsQuery()
  const unread = data?.unread ?? 0
  const label = unread === 0 ? 'Notifications' : `Notifications, ${formatInteger(unread)} unread`
  return (
    <NavLink
      to="/notifications"
      className="bell"
      aria-label={label}
      title={label}
      data-testid="notifications-bell"
    >
      <svg viewBox="0 0 20 20" aria-hidden="true" focusable="false">
        <path d="M10 2.5a5 5 0 0 0-5 5v3.2L3.5 13.5h13L15 10.7V7.5a5 5 0 0 0-5-5Z" />
        <path d="M8 15.5a2 2 0 0 0 4 0" />
      </svg>
      {unread > 0 && (
        <span className="bell-count" aria-hidden="true" data-testid="notifications-unread">
          {unread > BADGE_MAX ? `${BADGE_MAX}+` : unread}
        </span>
      )}
    </NavLink>
  )
}
