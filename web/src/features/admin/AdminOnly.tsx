/**
 * Shows its content to admins only, and to everyone else says why not and what to do: sign in
 * with an admin wallet. Nothing admin-only is asked of the server before that, so a visitor's
 * browser never logs refused requests.
 */
import type { ReactNode } from 'react'
import { useAppDispatch } from '../../app/hooks.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { Section } from '../../components/Section.tsx'
import { connectDialogOpened } from '../auth/authSlice.ts'
import { preloadConnectWalletDialog } from '../auth/ConnectWalletDialogHost.tsx'
import { useAdminSession } from './useAdminSession.ts'

export function AdminOnly({ title, children }: { title: string; children: ReactNode }) {
  const dispatch = useAppDispatch()
  const { access } = useAdminSession()
  if (access === 'admin') return children
  return (
    <Section title={title}>
      {access === 'checking' && <p className="status-muted">Checking who is signed in…</p>}
      {access === 'not-admin' && (
        <EmptyState title="Admins only">
          the wallet you are signed in with is not an admin of this server. Uploading, reviewing and
          publishing memes need a wallet named as admin in the server’s configuration.
        </EmptyState>
      )}
      {access === 'signed-out' && (
        <>
          <EmptyState title="Sign in as an admin">
            connect an admin wallet to upload memes, follow their processing live, review them and publish
            them to the round queue.
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
  )
}
