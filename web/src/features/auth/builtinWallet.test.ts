/**
 * Proves the built-in wallet's key work: fresh phrases are valid 12-word BIP39, typed input is
 * normalised and checked, the key comes from the documented path, and its signature is a
 * Bitcoin Signed Message the server can verify against the address and public key it sends.
 */
import { BSM, HD, Mnemonic, PublicKey, Signature, Utils } from '@bsv/sdk'
import { describe, expect, test } from 'vitest'
import {
  addressOf,
  BUILTIN_DERIVATION_PATH,
  deriveSigningKey,
  generateMnemonic,
  isValidMnemonic,
  normalizeMnemonic,
  pickConfirmPositions,
  signMessage,
} from './builtinWallet.ts'

const WORDS = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'

describe('built-in wallet keys', () => {
  test('a new phrase has 12 valid words and differs each time', () => {
    const a = generateMnemonic()
    const b = generateMnemonic()
    expect(a.split(' ')).toHaveLength(12)
    expect(isValidMnemonic(a)).toBe(true)
    expect(a).not.toBe(b)
  })

  test('typed words are normalised: case, spacing, line breaks and numbering', () => {
    const typed = `  1. Abandon abandon\tabandon\n abandon 5) abandon abandon abandon abandon abandon abandon abandon ABOUT `
    expect(normalizeMnemonic(typed)).toBe(WORDS)
  })

  test('a wrong word, a bad checksum or a wrong count is not a phrase', () => {
    expect(isValidMnemonic(WORDS)).toBe(true)
    expect(isValidMnemonic(WORDS.replace('about', 'abandon'))).toBe(false)
    expect(isValidMnemonic(WORDS.replace('about', 'aboutt'))).toBe(false)
    expect(isValidMnemonic(WORDS.split(' ').slice(0, 11).join(' '))).toBe(false)
  })

  test("the key is the phrase's m/44'/236'/0'/0/0", () => {
    expect(BUILTIN_DERIVATION_PATH).toBe("m/44'/236'/0'/0/0")
    const expected = HD.fromSeed(Mnemonic.fromString(WORDS).toSeed()).derive("m/44'/236'/0'/0/0").privKey
    expect(deriveSigningKey(WORDS).toHex()).toBe(expected.toHex())
    expect(addressOf(deriveSigningKey(WORDS))).toBe(expected.toPublicKey().toAddress())
  })

  test('signMessage is a BSM signature verifiable with the public key it reports', () => {
    const key = deriveSigningKey(WORDS)
    const message = 'Sign in to Memepool at http://localhost:3000\nChallenge: abc'
    const signed = signMessage(message, key)
    expect(signed.address).toBe(addressOf(key))
    const publicKey = PublicKey.fromString(signed.publicKey)
    expect(publicKey.toAddress()).toBe(signed.address)
    const signature = Signature.fromCompact(signed.signature, 'base64')
    expect(BSM.verify(Utils.toArray(message, 'utf8'), signature, publicKey)).toBe(true)
    expect(BSM.verify(Utils.toArray(`${message}!`, 'utf8'), signature, publicKey)).toBe(false)
  })

  test('confirmation positions are distinct, sorted and inside the phrase', () => {
    for (let round = 0; round < 50; round++) {
      const positions = pickConfirmPositions(12)
      expect(positions).toHaveLength(3)
      expect(new Set(positions).size).toBe(3)
      expect([...positions].sort((a, b) => a - b)).toEqual(positions)
      for (const position of positions) expect(position).toBeGreaterThanOrEqual(0)
      for (const position of positions) expect(position).toBeLessThan(12)
    }
  })
})
