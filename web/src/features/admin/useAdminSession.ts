/** Who is signed in, as the admin pages need it: the content screens are for admins only. */
import { useMeQuery } from '../auth/authApi.ts'

export type AdminAccess = 'checking' | 'signed-out' | 'not-admin' | 'admin'

export function useAdminSession(): { access: AdminAccess; isAdmin: boolean } {
  const { data: session, isLoading } = useMeQuery()
  let access: AdminAccess = 'admin'
  if (isLoading) access = 'checking'
  else if (!session) access = 'signed-out'
  else if (session.user.role !== 'admin') access = 'not-admin'
  return { access, isAdmin: access === 'admin' }
}
