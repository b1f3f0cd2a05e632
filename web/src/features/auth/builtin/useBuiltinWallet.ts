/**
 * The built-in wallet's actions in the dialog: save new words under a password and sign in,
 * unlock the saved words and sign in, forget them. The words and the key derived from them exist
 * only inside these functions; the caller gets back a message or nothing.
 */
import { useState } from 'react'
import { type DisplayError, toDisplayError } from '../../../components/errorMessages.ts'
import { addressOf, deriveSigningKey } from '../builtinWallet.ts'
import { builtinFlow } from '../signInFlows.ts'
import type { useSignIn } from '../useSignIn.ts'
import { decryptMnemonic, encryptMnemonic, forgetVault, saveVault, WrongPasswordError } from '../vault.ts'
import { useStoredVault } from './useStoredVault.ts'

type SignIn = ReturnType<typeof useSignIn>['signIn']

export function useBuiltinWallet(signIn: SignIn) {
  const [vaultState, refreshVault] = useStoredVault()
  const [working, setWorking] = useState(false)
  /** A failure in this browser (saving the vault), as opposed to one from the sign-in. */
  const [error, setError] = useState<DisplayError | null>(null)
  const vault = vaultState.status === 'saved' ? vaultState.vault : null

  /** Resolves once the words are saved (`onSaved` runs then) and the sign-in has ended either way. */
  const saveAndSignIn = async (mnemonic: string, password: string, onSaved: () => void) => {
    setWorking(true)
    setError(null)
    try {
      const key = deriveSigningKey(mnemonic)
      saveVault(await encryptMnemonic(mnemonic, password, addressOf(key)))
      refreshVault()
      onSaved()
      await signIn('builtin', builtinFlow(key))
    } catch (failure) {
      setError({
        message: `The wallet could not be saved in this browser: ${toDisplayError(failure).message}`,
      })
    } finally {
      setWorking(false)
    }
  }

  /** Resolves to a message for the password field, or null once the wallet opened. */
  const unlockAndSignIn = async (password: string): Promise<string | null> => {
    if (!vault) return 'No wallet is saved in this browser.'
    setWorking(true)
    try {
      const key = deriveSigningKey(await decryptMnemonic(vault, password))
      if (addressOf(key) !== vault.address)
        return 'The saved wallet does not match its address; import it again.'
      await signIn('builtin', builtinFlow(key))
      return null
    } catch (failure) {
      if (failure instanceof WrongPasswordError) return failure.message
      return `The wallet could not be opened: ${toDisplayError(failure).message}`
    } finally {
      setWorking(false)
    }
  }

  const forget = () => {
    forgetVault()
    refreshVault()
  }

  return {
    vaultState,
    vault,
    working,
    error,
    clearError: () => setError(null),
    saveAndSignIn,
    unlockAndSignIn,
    forget,
  }
}

export type BuiltinWallet = ReturnType<typeof useBuiltinWallet>
