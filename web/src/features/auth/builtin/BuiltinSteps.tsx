/**
 * The built-in wallet's steps after the chooser: new words are shown, confirmed and locked with
 * a password; imported words are checked and locked; saved words are unlocked or forgotten.
 */
import { generateMnemonic } from '../builtinWallet.ts'
import { ChoosePassword } from './ChoosePassword.tsx'
import { ConfirmWords } from './ConfirmWords.tsx'
import { ForgetWallet } from './ForgetWallet.tsx'
import { ImportWords } from './ImportWords.tsx'
import { ShowWords } from './ShowWords.tsx'
import { UnlockWallet } from './UnlockWallet.tsx'
import type { BuiltinWallet } from './useBuiltinWallet.ts'

export type BuiltinStep =
  | { step: 'show-words'; mnemonic: string }
  | { step: 'confirm-words'; mnemonic: string }
  | { step: 'import' }
  | { step: 'set-password'; mnemonic: string; from: 'create' | 'import' }
  | { step: 'unlock' }
  | { step: 'forget' }

/** A fresh phrase is made when the user asks for one, never before. */
export function startCreating(): BuiltinStep {
  return { step: 'show-words', mnemonic: generateMnemonic() }
}

interface BuiltinStepsProps {
  view: BuiltinStep
  wallet: BuiltinWallet
  busy: boolean
  go(next: BuiltinStep): void
  /** Back to the chooser, with an optional note saying what just happened. */
  done(notice?: string): void
}

export function BuiltinSteps({ view, wallet, busy, go, done }: BuiltinStepsProps) {
  switch (view.step) {
    case 'show-words':
      return (
        <ShowWords
          mnemonic={view.mnemonic}
          onContinue={() => go({ step: 'confirm-words', mnemonic: view.mnemonic })}
          onCancel={() => done()}
        />
      )
    case 'confirm-words':
      return (
        <ConfirmWords
          mnemonic={view.mnemonic}
          onConfirmed={() => go({ step: 'set-password', mnemonic: view.mnemonic, from: 'create' })}
          onShowAgain={() => go({ step: 'show-words', mnemonic: view.mnemonic })}
        />
      )
    case 'import':
      return (
        <ImportWords
          onImported={(mnemonic) => go({ step: 'set-password', mnemonic, from: 'import' })}
          onBack={() => done()}
        />
      )
    case 'set-password':
      return (
        <ChoosePassword
          submitLabel={view.from === 'create' ? 'Create wallet and sign in' : 'Save wallet and sign in'}
          busy={busy}
          // Once saved, the words leave this step (and memory) before the sign-in starts.
          onChosen={(password) => void wallet.saveAndSignIn(view.mnemonic, password, () => done())}
          onBack={() => (view.from === 'create' ? done() : go({ step: 'import' }))}
        />
      )
    case 'unlock':
      return (
        <UnlockWallet
          address={wallet.vault?.address ?? ''}
          busy={busy}
          onUnlock={wallet.unlockAndSignIn}
          onBack={() => done()}
        />
      )
    case 'forget':
      return (
        <ForgetWallet
          address={wallet.vault?.address ?? null}
          onForget={() => {
            wallet.forget()
            done('The wallet was removed from this browser.')
          }}
          onKeep={() => done()}
        />
      )
  }
}
