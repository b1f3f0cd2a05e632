/**
 * The signed-in user's channel (`user:<id>`), listened to on every page by the shell: a balance
 * event updates the cached wallet (header and wallet page), a notification joins the cached list
 * and shows as a toast in a polite live region ("You won 1,234 sats in round 812"). Watch events
 * are the watch page's own. After a reconnect, the channel's snapshot is the cue to ask for the
 * notifications again, since those sent meanwhile were missed.
 */
import { useRef, useState } from 'react'
import { Link } from 'react-router'
import type { NotificationView, UserEvent } from '../../../../contracts/rounds.ts'
import { useChannel } from '../../app/useChannel.ts'
import { userChannel } from '../../app/ws.ts'
import { useMeQuery } from '../auth/authApi.ts'
import { balanceReceived, useWalletDispatch, walletApi } from '../wallet/walletApi.ts'
import { notificationReceived, notificationsApi, useNotificationsDispatch } from './notificationsApi.ts'
import { notificationLink, notificationText } from './notificationWording.ts'
import { Toast } from './Toast.tsx'

export function LiveUserFeed() {
  const { data: session } = useMeQuery()
  const userId = session?.user.id ?? null
  const walletDispatch = useWalletDispatch()
  const dispatch = useNotificationsDispatch()
  const snapshots = useRef(0)
  const [latest, setLatest] = useState<NotificationView | null>(null)

  useChannel<UserEvent>(userId === null ? null : userChannel(userId), (event, meta) => {
    if (meta.snapshot) {
      snapshots.current += 1
      if (snapshots.current > 1) dispatch(notificationsApi.util.invalidateTags(['Notifications']))
    }
    if (event.kind === 'balance') {
      walletDispatch(balanceReceived(event))
    } else if (event.kind === 'notification') {
      dispatch(notificationReceived(event.notification))
      // Money arrived (a reward, a meme's share): the balance moved without a balance event.
      walletDispatch(walletApi.util.invalidateTags(['Wallet']))
      if (!event.notification.read) setLatest(event.notification)
    }
  })

  const link = latest ? notificationLink(latest) : null
  return (
    <Toast messageKey={latest?.id ?? null} onDismiss={() => setLatest(null)}>
      {latest && (
        <>
          {notificationText(latest)} {link && <Link to={link}>See the round</Link>}
        </>
      )}
    </Toast>
  )
}
