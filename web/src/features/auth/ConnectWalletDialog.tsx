/**
 * The Connect wallet dialog: pick a wallet, go through its steps, sign the server's challenge,
 * and the dialog closes on a new session. The built-in wallet's words live only in this
 * dialog's state while they are being created, imported or unlocked; they are dropped as soon as
 * the step that needs them is left, and are never sent, put in the Redux store or logged.
 *
 * Loaded on demand (see ConnectWalletDialogHost), which keeps the key code out of the first load.
 */
import { useState } from 'react'
import { useAppDispatch } from '../../app/hooks.ts'
import { Modal } from '../../components/Modal.tsx'
import { ActionError } from '../../components/QueryError.tsx'
import { ACCOUNT_FOCUS_ID } from './accountFocus.ts'
import { connectDialogDismissed, WALLET_NAMES, type WalletKind } from './authSlice.ts'
import { type BuiltinStep, BuiltinSteps, startCreating } from './builtin/BuiltinSteps.tsx'
import { useBuiltinWallet } from './builtin/useBuiltinWallet.ts'
import { brc100Flow, yoursFlow } from './signInFlows.ts'
import { type SignInPhase, useSignIn } from './useSignIn.ts'
import { WalletChooser } from './WalletChooser.tsx'
import { useWalletSearch } from './walletDetection.ts'

type View = { step: 'choose'; notice?: string } | BuiltinStep

function phaseText(phase: SignInPhase, wallet: WalletKind | null): string {
  const name = wallet ? WALLET_NAMES[wallet] : 'the wallet'
  switch (phase) {
    case 'connecting':
      return wallet === 'builtin' ? 'Signing in…' : `Waiting for ${name}. Approve this site in its window.`
    case 'unlocking-wallet':
      return `Log in to ${name} to continue.`
    case 'signing':
      return `Approve the sign-in message in ${name}.`
    case 'verifying':
      return 'Checking the signature…'
    case 'idle':
      return ''
  }
}

export default function ConnectWalletDialog() {
  const dispatch = useAppDispatch()
  useWalletSearch()
  const [view, setView] = useState<View>({ step: 'choose' })
  const session = useSignIn()
  const builtin = useBuiltinWallet(session.signIn)
  const busy = session.busy || builtin.working

  /** A new step starts without the errors of the last attempt. */
  const go = (next: View) => {
    builtin.clearError()
    session.clearError()
    setView(next)
  }
  const done = (notice?: string) => setView(notice ? { step: 'choose', notice } : { step: 'choose' })
  const startExtension = (wallet: 'yours' | 'brc100') => {
    builtin.clearError()
    void session.signIn(wallet, wallet === 'yours' ? yoursFlow : brc100Flow)
  }

  return (
    <Modal
      title="Connect a wallet"
      onClose={() => dispatch(connectDialogDismissed())}
      returnFocusFallback={() => document.getElementById(ACCOUNT_FOCUS_ID)}
    >
      <p className="dialog-progress" role="status">
        {phaseText(session.phase, session.wallet)}
      </p>
      {builtin.error && <ActionError error={builtin.error} />}
      {session.error && <ActionError error={session.error} />}
      {view.step === 'choose' ? (
        <>
          {view.notice && <p className="dialog-notice">{view.notice}</p>}
          <WalletChooser
            vault={builtin.vaultState}
            busy={busy}
            onCreate={() => go(startCreating())}
            onImport={() => go({ step: 'import' })}
            onUnlock={() => go({ step: 'unlock' })}
            onForget={() => go({ step: 'forget' })}
            onYours={() => startExtension('yours')}
            onBrc100={() => startExtension('brc100')}
          />
        </>
      ) : (
        <BuiltinSteps view={view} wallet={builtin} busy={busy} go={go} done={done} />
      )}
    </Modal>
  )
}
