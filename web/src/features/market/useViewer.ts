/**
 * Who is looking at a market page: still being found out, nobody (signed out), or a user, whose
 * id is what the market's PersonView ids are compared with to tell an owner from a buyer.
 */
import { useMeQuery } from '../auth/authApi.ts'

export type Viewer = { state: 'checking' } | { state: 'signed-out' } | { state: 'signed-in'; userId: string }

export function useViewer(): Viewer {
  const { data: session, isLoading } = useMeQuery()
  if (isLoading) return { state: 'checking' }
  if (!session) return { state: 'signed-out' }
  return { state: 'signed-in', userId: session.user.id }
}
