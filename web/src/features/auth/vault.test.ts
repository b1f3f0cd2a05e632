/**
 * Proves the built-in wallet's safe: what is stored holds no readable words, the right password
 * opens it, a wrong one is refused by name, the stored address cannot be swapped, the key
 * derivation is at least as strong as promised, and unreadable storage is reported, not trusted.
 */
import { describe, expect, test } from 'vitest'
import {
  decryptMnemonic,
  encryptMnemonic,
  forgetVault,
  loadVault,
  MIN_PBKDF2_ITERATIONS,
  PBKDF2_ITERATIONS,
  saveVault,
  UnreadableVaultError,
  VAULT_STORAGE_KEY,
  WrongPasswordError,
} from './vault.ts'

const WORDS = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'
const ADDRESS = '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH'

/** localStorage's interface over a Map, since unit tests run without a browser. */
function memoryStorage(): Storage {
  const map = new Map<string, string>()
  return {
    get length() {
      return map.size
    },
    clear: () => map.clear(),
    getItem: (key) => map.get(key) ?? null,
    key: (index) => [...map.keys()][index] ?? null,
    removeItem: (key) => {
      map.delete(key)
    },
    setItem: (key, value) => {
      map.set(key, value)
    },
  }
}

describe('vault', () => {
  test('stores ciphertext only and opens with the right password', async () => {
    const vault = await encryptMnemonic(WORDS, 'correct horse battery', ADDRESS)
    const stored = JSON.stringify(vault)
    for (const word of new Set(WORDS.split(' '))) expect(stored).not.toContain(word)
    expect(stored).not.toContain('correct horse')
    expect(vault.kdf).toMatchObject({ name: 'PBKDF2', hash: 'SHA-256', iterations: PBKDF2_ITERATIONS })
    expect(PBKDF2_ITERATIONS).toBeGreaterThanOrEqual(200_000)
    expect(vault.cipher.name).toBe('AES-GCM')
    expect(await decryptMnemonic(vault, 'correct horse battery')).toBe(WORDS)
  })

  test('a wrong password is refused with WrongPasswordError', async () => {
    const vault = await encryptMnemonic(WORDS, 'correct horse battery', ADDRESS)
    await expect(decryptMnemonic(vault, 'correct horse batterY')).rejects.toBeInstanceOf(WrongPasswordError)
  })

  test('salt and IV are fresh each time, so equal inputs give different vaults', async () => {
    const a = await encryptMnemonic(WORDS, 'correct horse battery', ADDRESS)
    const b = await encryptMnemonic(WORDS, 'correct horse battery', ADDRESS)
    expect(a.kdf.salt).not.toBe(b.kdf.salt)
    expect(a.cipher.iv).not.toBe(b.cipher.iv)
    expect(a.ciphertext).not.toBe(b.ciphertext)
  })

  test('the address is bound to the ciphertext: swapping it makes decryption fail', async () => {
    const vault = await encryptMnemonic(WORDS, 'correct horse battery', ADDRESS)
    const swapped = { ...vault, address: '1111111111111111111114oLvT2' }
    await expect(decryptMnemonic(swapped, 'correct horse battery')).rejects.toBeInstanceOf(WrongPasswordError)
  })

  test('save, load and forget go through the one storage key', async () => {
    const storage = memoryStorage()
    expect(loadVault(storage)).toBeNull()
    const vault = await encryptMnemonic(WORDS, 'correct horse battery', ADDRESS)
    saveVault(vault, storage)
    expect(storage.getItem(VAULT_STORAGE_KEY)).not.toBeNull()
    expect(loadVault(storage)).toEqual(vault)
    forgetVault(storage)
    expect(loadVault(storage)).toBeNull()
  })

  test('unreadable or weakened storage is reported rather than used', async () => {
    const storage = memoryStorage()
    storage.setItem(VAULT_STORAGE_KEY, 'not json')
    expect(() => loadVault(storage)).toThrow(UnreadableVaultError)
    storage.setItem(VAULT_STORAGE_KEY, JSON.stringify({ version: 1 }))
    expect(() => loadVault(storage)).toThrow(UnreadableVaultError)
    const vault = await encryptMnemonic(WORDS, 'correct horse battery', ADDRESS)
    const weak = { ...vault, kdf: { ...vault.kdf, iterations: MIN_PBKDF2_ITERATIONS - 1 } }
    storage.setItem(VAULT_STORAGE_KEY, JSON.stringify(weak))
    expect(() => loadVault(storage)).toThrow(/too few key iterations/)
  })
})
