/**
 * The header's account corner: a Connect wallet button when signed out; when signed in, who the
 * user is (shortened, with the full value for hover and screen readers), their role if admin,
 * and Log out. Focus follows the swap, so keyboard users are not dropped on the page body.
 */
import { useEffect, useRef, useState } from 'react'
import type { SessionResponse } from '../../../../contracts/auth.ts'
import { useAppDispatch, useAppSelector } from '../../app/hooks.ts'
import { ACCOUNT_FOCUS_ID } from './accountFocus.ts'
import { useLogoutMutation, useMeQuery } from './authApi.ts'
import { connectDialogOpened, selectConnectedWith, signedOut, WALLET_NAMES } from './authSlice.ts'
import { preloadConnectWalletDialog } from './ConnectWalletDialogHost.tsx'
import { identityOf, shortenIdentity } from './identity.ts'

function ConnectWalletButton({ focusOnMount }: { focusOnMount: boolean }) {
  const dispatch = useAppDispatch()
  const buttonRef = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (focusOnMount) buttonRef.current?.focus()
  }, [focusOnMount])
  return (
    <div className="account">
      <button
        ref={buttonRef}
        type="button"
        className="button button-primary"
        onClick={() => dispatch(connectDialogOpened())}
        onPointerEnter={preloadConnectWalletDialog}
        onFocus={preloadConnectWalletDialog}
      >
        Connect wallet
      </button>
    </div>
  )
}

function SignedIn({ session, onSignedOut }: { session: SessionResponse; onSignedOut(): void }) {
  const dispatch = useAppDispatch()
  const connectedWith = useAppSelector(selectConnectedWith)
  const [logout, { isLoading, isError }] = useLogoutMutation()
  const identity = identityOf(session.user)
  const via = connectedWith ? ` with ${WALLET_NAMES[connectedWith]}` : ''

  const logOut = async () => {
    try {
      await logout().unwrap()
      dispatch(signedOut())
      onSignedOut()
    } catch {
      // isError shows the failure; the session is still there, so nothing else changes.
    }
  }

  return (
    <div className="account">
      <span
        id={ACCOUNT_FOCUS_ID}
        className="account-identity"
        title={`Signed in${via} as ${identity}`}
        tabIndex={-1}
      >
        <span aria-hidden="true">{shortenIdentity(identity)}</span>
        <span className="visually-hidden">
          Signed in{via} as {identity}
        </span>
      </span>
      {session.user.role === 'admin' && <span className="role-badge">Admin</span>}
      <button type="button" className="button button-secondary" onClick={logOut} disabled={isLoading}>
        {isLoading ? 'Logging out…' : 'Log out'}
      </button>
      {isError && (
        <span className="account-error" role="alert">
          Log out failed; try again.
        </span>
      )}
    </div>
  )
}

export function AccountStatus() {
  const { data: session, isLoading } = useMeQuery()
  const [focusConnect, setFocusConnect] = useState(false)
  // Only a Log out in this tab moves focus to the Connect button, not a session that expires later.
  useEffect(() => {
    if (session) setFocusConnect(false)
  }, [session])
  // Until the first answer, nothing: a Connect button flashing up for a signed-in user would mislead.
  if (isLoading) return <div className="account" aria-hidden="true" />
  if (!session) return <ConnectWalletButton focusOnMount={focusConnect} />
  return <SignedIn session={session} onSignedOut={() => setFocusConnect(true)} />
}
