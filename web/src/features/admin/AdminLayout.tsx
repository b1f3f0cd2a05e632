/**
 * The frame of the admin pages (/admin and /admin/memes/:id). It holds the one live feed of the
 * pipeline (the WebSocket's admin:content channel) while an admin is on any of them, so moving
 * between the lists and a review does not drop and reopen it; the pages read it with useMemeFeed.
 */
import { Outlet, useOutletContext } from 'react-router'
import { type MemeFeed, useMemeEvents } from '../content/useMemeEvents.ts'
import { useAdminSession } from './useAdminSession.ts'
import './admin.css'

export function AdminLayout() {
  const { isAdmin } = useAdminSession()
  const feed = useMemeEvents(isAdmin)
  return <Outlet context={feed} />
}

export function useMemeFeed(): MemeFeed {
  return useOutletContext<MemeFeed>()
}
