/**
 * What the built-in wallet has saved in this browser, kept current when another tab of the site
 * saves or forgets a wallet.
 */
import { useCallback, useEffect, useState } from 'react'
import { loadVault, type StoredVault, VAULT_STORAGE_KEY } from '../vault.ts'

export type VaultState =
  | { status: 'none' }
  | { status: 'saved'; vault: StoredVault }
  | { status: 'unreadable'; reason: string }

function readVault(): VaultState {
  try {
    const vault = loadVault()
    return vault ? { status: 'saved', vault } : { status: 'none' }
  } catch (error) {
    return { status: 'unreadable', reason: error instanceof Error ? error.message : String(error) }
  }
}

export function useStoredVault(): [VaultState, () => void] {
  const [state, setState] = useState(readVault)
  const refresh = useCallback(() => setState(readVault()), [])

  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === null || event.key === VAULT_STORAGE_KEY) refresh()
    }
    window.addEventListener('storage', onStorage)
    return () => window.removeEventListener('storage', onStorage)
  }, [refresh])

  return [state, refresh]
}
