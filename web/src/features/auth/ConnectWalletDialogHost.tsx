/**
 * Mounts the Connect wallet dialog while it is open. The dialog and the key code it needs are a
 * separate chunk, fetched when the user first points at or focuses a Connect button, so the first
 * page load does not pay for them.
 */
import { lazy, Suspense } from 'react'
import { useAppDispatch, useAppSelector } from '../../app/hooks.ts'
import { Modal } from '../../components/Modal.tsx'
import { connectDialogDismissed, selectConnectDialogOpen } from './authSlice.ts'

function loadDialog() {
  return import('./ConnectWalletDialog.tsx')
}

function DialogUnavailable() {
  const dispatch = useAppDispatch()
  return (
    <Modal title="Connect a wallet" onClose={() => dispatch(connectDialogDismissed())}>
      <p className="query-error" role="alert">
        The wallet part of the app could not be loaded. Check the connection, reload the page and try again.
      </p>
    </Modal>
  )
}

const ConnectWalletDialog = lazy(() => loadDialog().catch(() => ({ default: DialogUnavailable })))

/** Starts fetching the dialog's code ahead of the click; repeated calls cost nothing. */
export function preloadConnectWalletDialog(): void {
  loadDialog().catch(() => {
    // The click will try again and explain if it still fails.
  })
}

export function ConnectWalletDialogHost() {
  const open = useAppSelector(selectConnectDialogOpen)
  if (!open) return null
  return (
    <Suspense fallback={null}>
      <ConnectWalletDialog />
    </Suspense>
  )
}
