/**
 * Proves the login signature checks with real keys and signatures: a BSM signature verifies by
 * public key, by address (mainnet or testnet form) and by both, and yields the signer's key and
 * its address on the node's network; a BRC-100 signature verifies for the identity key only with
 * the login protocol, the challenge id as keyID and counterparty 'anyone'. Everything a client
 * can get wrong is a value, never a throw.
 */
import { BSM, PrivateKey, ProtoWallet, Utils } from '@bsv/sdk'
import { describe, expect, it } from 'vitest'
import { LOGIN_PROTOCOL_ID, type LoginRequest } from '../../../contracts/auth.ts'
import { parsePublicKey, verifyLoginSignature } from './signatures.ts'

const MESSAGE = 'Sign in to Memepool\nSite: localhost:3000\nNonce: 00ff'
const CHALLENGE_ID = '3b4c9a52-6f0e-4d4f-9d0c-2d1f5f0b7a11'
/** x = 5 is not the x of any point of secp256k1 (5^3 + 7 = 132 is not a square mod p). */
const NOT_ON_CURVE = `02${'0'.repeat(63)}5`

const key = PrivateKey.fromRandom()
const pub = key.toPublicKey()
const other = PrivateKey.fromRandom()

function bsm(fields: Partial<Extract<LoginRequest, { method: 'bsm' }>>, message = MESSAGE, signer = key) {
  return {
    method: 'bsm' as const,
    challengeId: CHALLENGE_ID,
    signature: BSM.sign(Utils.toArray(message, 'utf8'), signer) as string,
    ...fields,
  }
}

async function brc100Signature(
  signer: PrivateKey,
  keyID = CHALLENGE_ID,
  protocolID: [0 | 1 | 2, string] = LOGIN_PROTOCOL_ID,
  counterparty: 'anyone' | 'self' = 'anyone',
): Promise<string> {
  const { signature } = await new ProtoWallet(signer).createSignature({
    data: Utils.toArray(MESSAGE, 'utf8'),
    protocolID,
    keyID,
    counterparty,
  })
  return Utils.toHex(signature)
}

describe('bsm', () => {
  it('verifies by public key, by address and by both, giving the key and its mainnet address', async () => {
    for (const fields of [
      { publicKey: pub.toString() },
      { address: pub.toAddress() },
      { address: pub.toAddress('testnet') },
      { address: pub.toAddress(), publicKey: pub.toString() },
    ]) {
      expect(await verifyLoginSignature(bsm(fields), MESSAGE, 'mainnet')).toEqual({
        ok: true,
        identityKey: pub.toString(),
        address: pub.toAddress(),
      })
    }
  })

  it('gives the testnet address on a testnet node, and accepts an upper-case key', async () => {
    const result = await verifyLoginSignature(
      bsm({ publicKey: pub.toString().toUpperCase() }),
      MESSAGE,
      'testnet',
    )
    expect(result).toEqual({ ok: true, identityKey: pub.toString(), address: pub.toAddress('testnet') })
  })

  it('refuses a signature by another key, or over another message', async () => {
    const forged = bsm({ publicKey: pub.toString() }, MESSAGE, other)
    expect(await verifyLoginSignature(forged, MESSAGE, 'mainnet')).toEqual({
      ok: false,
      code: 'SIGNATURE_INVALID',
    })
    const forgedByAddress = bsm({ address: pub.toAddress() }, MESSAGE, other)
    expect(await verifyLoginSignature(forgedByAddress, MESSAGE, 'mainnet')).toMatchObject({
      code: 'SIGNATURE_INVALID',
    })
    const elsewhere = bsm({ publicKey: pub.toString() }, `${MESSAGE}!`)
    expect(await verifyLoginSignature(elsewhere, MESSAGE, 'mainnet')).toMatchObject({
      code: 'SIGNATURE_INVALID',
    })
  })

  it('refuses an address that is not the public key’s', async () => {
    const request = bsm({ publicKey: pub.toString(), address: other.toPublicKey().toAddress() })
    expect(await verifyLoginSignature(request, MESSAGE, 'mainnet')).toEqual({
      ok: false,
      code: 'KEY_MISMATCH',
    })
  })

  it('refuses undecodable signatures and uncompressed-key signatures as malformed', async () => {
    const good = bsm({ publicKey: pub.toString() })
    const bytes = [...Buffer.from(good.signature, 'base64')]
    const uncompressed = Buffer.from([bytes[0]! - 4, ...bytes.slice(1)]).toString('base64')
    for (const signature of [
      '!'.repeat(88),
      good.signature.slice(0, 86),
      Buffer.from(bytes.slice(0, 64)).toString('base64'),
      Buffer.from([...bytes, 0]).toString('base64'),
      uncompressed,
    ]) {
      expect(await verifyLoginSignature({ ...good, signature }, MESSAGE, 'mainnet'), signature).toEqual({
        ok: false,
        code: 'SIGNATURE_MALFORMED',
      })
    }
  })

  it('accepts the signature without its base64 padding', async () => {
    const good = bsm({ publicKey: pub.toString() })
    const result = await verifyLoginSignature(
      { ...good, signature: good.signature.replace(/=$/, '') },
      MESSAGE,
      'mainnet',
    )
    expect(result.ok).toBe(true)
  })

  it('refuses a public key that is not a curve point, or not in canonical form', async () => {
    for (const publicKey of [NOT_ON_CURVE, `02${'f'.repeat(64)}`]) {
      expect(await verifyLoginSignature(bsm({ publicKey }), MESSAGE, 'mainnet')).toEqual({
        ok: false,
        code: 'PUBLIC_KEY_INVALID',
      })
    }
  })

  it('refuses a signature whose r is no curve point when recovering by address', async () => {
    const bytes = [...Buffer.from(bsm({}).signature, 'base64')]
    const badR = Buffer.from([bytes[0]!, ...Array(32).fill(0xff), ...bytes.slice(33)]).toString('base64')
    const request = bsm({ address: pub.toAddress(), signature: badR })
    expect(await verifyLoginSignature(request, MESSAGE, 'mainnet')).toEqual({
      ok: false,
      code: 'SIGNATURE_INVALID',
    })
  })
})

describe('brc100', () => {
  const request = (signature: string, identityKey = pub.toString()) =>
    ({ method: 'brc100', challengeId: CHALLENGE_ID, signature, identityKey }) as const

  it('verifies a createSignature made for the login protocol, keyID and anyone', async () => {
    expect(await verifyLoginSignature(request(await brc100Signature(key)), MESSAGE, 'mainnet')).toEqual({
      ok: true,
      identityKey: pub.toString(),
      address: null,
    })
  })

  it('refuses another key, protocol, keyID or counterparty', async () => {
    for (const signature of [
      await brc100Signature(other),
      await brc100Signature(key, 'another-challenge'),
      await brc100Signature(key, CHALLENGE_ID, [2, 'other login']),
      await brc100Signature(key, CHALLENGE_ID, [1, 'memepool login']),
      await brc100Signature(key, CHALLENGE_ID, LOGIN_PROTOCOL_ID, 'self'),
    ]) {
      expect(await verifyLoginSignature(request(signature), MESSAGE, 'mainnet')).toEqual({
        ok: false,
        code: 'SIGNATURE_INVALID',
      })
    }
  })

  it('refuses non-DER signatures as malformed and bad identity keys as invalid', async () => {
    for (const signature of ['abc', '00', 'deadbeef', '30440220']) {
      expect(await verifyLoginSignature(request(signature), MESSAGE, 'mainnet'), signature).toEqual({
        ok: false,
        code: 'SIGNATURE_MALFORMED',
      })
    }
    const signature = await brc100Signature(key)
    expect(await verifyLoginSignature(request(signature, NOT_ON_CURVE), MESSAGE, 'mainnet')).toEqual({
      ok: false,
      code: 'PUBLIC_KEY_INVALID',
    })
  })
})

describe('parsePublicKey', () => {
  it('accepts compressed keys in either case and refuses uncompressed keys and non-points', () => {
    expect(parsePublicKey(pub.toString())?.toString()).toBe(pub.toString())
    expect(parsePublicKey(pub.toString().toUpperCase())?.toString()).toBe(pub.toString())
    expect(parsePublicKey(NOT_ON_CURVE)).toBeUndefined()
    expect(parsePublicKey(pub.encode(false, 'hex') as string)).toBeUndefined()
    expect(parsePublicKey('zz')).toBeUndefined()
  })
})
