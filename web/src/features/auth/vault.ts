/**
 * The built-in wallet's safe: the recovery phrase encrypted with the user's password, kept in
 * localStorage. Only ciphertext, salt, IV and the (public) address are stored; the phrase and
 * the password stay in memory for as long as a sign-in takes and never leave the browser.
 *
 * Key: PBKDF2-HMAC-SHA256 over the password with a random 16-byte salt, 600,000 iterations
 * (OWASP's 2023 figure for PBKDF2-SHA256), giving an AES-GCM 256-bit key. Cipher: AES-GCM with a
 * random 12-byte IV; the address and format version are bound in as additional data, so a stored
 * address cannot be swapped without decryption failing. All of it is WebCrypto, which keeps the
 * derived key non-extractable.
 */

export const VAULT_STORAGE_KEY = 'memepool.builtinWallet.v1'
export const PBKDF2_ITERATIONS = 600_000
/** Below this an old or tampered vault is refused rather than trusted. */
export const MIN_PBKDF2_ITERATIONS = 200_000
export const MIN_PASSWORD_LENGTH = 10
const SALT_BYTES = 16
const IV_BYTES = 12
const AES_KEY_BITS = 256
const VAULT_VERSION = 1

export interface StoredVault {
  version: typeof VAULT_VERSION
  /** The wallet's address, readable without the password so the app can say which wallet this is. */
  address: string
  kdf: { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: string }
  cipher: { name: 'AES-GCM'; iv: string }
  ciphertext: string
  createdAt: string
}

/** The password did not decrypt the vault (AES-GCM's tag check failed). */
export class WrongPasswordError extends Error {
  constructor() {
    super('That password does not unlock this wallet.')
    this.name = 'WrongPasswordError'
  }
}

/** What is stored is not a vault this version can read. */
export class UnreadableVaultError extends Error {
  constructor(reason: string) {
    super(`The wallet saved in this browser cannot be read (${reason}).`)
    this.name = 'UnreadableVaultError'
  }
}

function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length))
}

const encoder = new TextEncoder()

/**
 * NFKD, as BIP39 does for its own passphrase: the same password typed on another keyboard or
 * input method can arrive as different code points, and must still open the vault.
 */
function passwordBytes(password: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(password.normalize('NFKD'))
}

function additionalData(address: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`memepool builtin wallet v${VAULT_VERSION} ${address}`)
}

async function deriveKey(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', passwordBytes(password), 'PBKDF2', false, [
    'deriveKey',
  ])
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    material,
    { name: 'AES-GCM', length: AES_KEY_BITS },
    false,
    ['encrypt', 'decrypt'],
  )
}

export async function encryptMnemonic(
  mnemonic: string,
  password: string,
  address: string,
): Promise<StoredVault> {
  const salt = randomBytes(SALT_BYTES)
  const iv = randomBytes(IV_BYTES)
  const key = await deriveKey(password, salt, PBKDF2_ITERATIONS)
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: additionalData(address) },
    key,
    encoder.encode(mnemonic),
  )
  return {
    version: VAULT_VERSION,
    address,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations: PBKDF2_ITERATIONS, salt: toBase64(salt) },
    cipher: { name: 'AES-GCM', iv: toBase64(iv) },
    ciphertext: toBase64(new Uint8Array(ciphertext)),
    createdAt: new Date().toISOString(),
  }
}

export async function decryptMnemonic(vault: StoredVault, password: string): Promise<string> {
  const key = await deriveKey(password, fromBase64(vault.kdf.salt), vault.kdf.iterations)
  let plaintext: ArrayBuffer
  try {
    plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(vault.cipher.iv), additionalData: additionalData(vault.address) },
      key,
      fromBase64(vault.ciphertext),
    )
  } catch {
    // AES-GCM cannot tell a wrong key from altered data; a wrong password is by far the likelier.
    throw new WrongPasswordError()
  }
  return new TextDecoder().decode(plaintext)
}

function isStoredVault(value: unknown): value is StoredVault {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<StoredVault>
  return (
    v.version === VAULT_VERSION &&
    typeof v.address === 'string' &&
    typeof v.ciphertext === 'string' &&
    v.kdf?.name === 'PBKDF2' &&
    v.kdf.hash === 'SHA-256' &&
    typeof v.kdf.salt === 'string' &&
    Number.isInteger(v.kdf.iterations) &&
    v.cipher?.name === 'AES-GCM' &&
    typeof v.cipher.iv === 'string'
  )
}

/** The vault saved in this browser; null when there is none. Throws if something unreadable is there. */
export function loadVault(storage: Storage = localStorage): StoredVault | null {
  const text = storage.getItem(VAULT_STORAGE_KEY)
  if (text === null) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new UnreadableVaultError('not JSON')
  }
  if (!isStoredVault(parsed)) throw new UnreadableVaultError('unknown format')
  if (parsed.kdf.iterations < MIN_PBKDF2_ITERATIONS) throw new UnreadableVaultError('too few key iterations')
  return parsed
}

export function saveVault(vault: StoredVault, storage: Storage = localStorage): void {
  storage.setItem(VAULT_STORAGE_KEY, JSON.stringify(vault))
}

export function forgetVault(storage: Storage = localStorage): void {
  storage.removeItem(VAULT_STORAGE_KEY)
}
