/**
 * Checks a login signature over a challenge message (contracts/auth.ts), for the two ways a
 * wallet can sign it:
 *
 *   bsm     Bitcoin Signed Message: a 65-byte compact signature, base64, over the UTF-8 message.
 *           The signer names itself by public key, by address, or both. With a key, the
 *           signature is verified against it; with only an address, the key is recovered from
 *           the signature and its address compared. Either way the signer's key is known after.
 *   brc100  A BRC-100 wallet's createSignature: DER, hex, made with a key derived (BRC-42) from
 *           the wallet's identity key for LOGIN_PROTOCOL_ID, keyID = the challenge id and
 *           counterparty 'anyone'. Verified as 'anyone' towards the claimed identity key.
 *
 * Outcomes are values: every failure here is something a client can send.
 */
import { BigNumber, BSM, ProtoWallet, PublicKey, Signature, Utils } from '@bsv/sdk'
import { LOGIN_PROTOCOL_ID, type LoginRequest } from '../../../contracts/auth.ts'
import { assert } from '../../domain/money.ts'

export type AddressNetwork = 'mainnet' | 'testnet'

export type SignatureRejection =
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_INVALID'
  | 'PUBLIC_KEY_INVALID'
  | 'KEY_MISMATCH'

export type VerifiedSigner =
  | {
      ok: true
      /** The signer's compressed public key, lower-case hex. */
      identityKey: string
      /** For bsm, the signer's address on this node's network; brc100 proves no address. */
      address: string | null
    }
  | { ok: false; code: SignatureRejection }

const COMPACT_SIGNATURE_BYTES = 65
/** 65 bytes in base64 are 87 characters and one '=' of padding, which some encoders leave out. */
const COMPACT_SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{87}=?$/
/**
 * The first byte of a compact signature is 27 + the recovery id (0-3), plus 4 when the signer's
 * key is compressed. Only compressed keys are accepted: every supported wallet signs with one,
 * and an uncompressed key has a different address from the one its compressed form yields.
 */
const COMPACT_HEADER_COMPRESSED_MIN = 31
const COMPACT_HEADER_COMPRESSED_MAX = 34

/** 'anyone' is the private key 1, whose BRC-42 derivations every verifier can reproduce. */
const ANYONE = new ProtoWallet('anyone')

export async function verifyLoginSignature(
  request: LoginRequest,
  message: string,
  network: AddressNetwork,
): Promise<VerifiedSigner> {
  const messageBytes = Utils.toArray(message, 'utf8')
  if (request.method === 'bsm') return verifyBsm(request, messageBytes, network)
  return verifyBrc100(request, messageBytes)
}

/** A compressed key in canonical form, or undefined when it is not a point of secp256k1. */
export function parsePublicKey(hex: string): PublicKey | undefined {
  let key: PublicKey
  try {
    key = PublicKey.fromString(hex)
  } catch {
    return undefined
  }
  // The SDK reduces an x beyond the field size instead of refusing it; such a key is not the one sent.
  return key.toString() === hex.toLowerCase() ? key : undefined
}

function decodeCompactSignature(base64: string): number[] | undefined {
  if (!COMPACT_SIGNATURE_BASE64.test(base64)) return undefined
  const bytes = [...Buffer.from(base64, 'base64')]
  if (bytes.length !== COMPACT_SIGNATURE_BYTES) return undefined
  const header = bytes[0]!
  if (header < COMPACT_HEADER_COMPRESSED_MIN || header > COMPACT_HEADER_COMPRESSED_MAX) return undefined
  return bytes
}

function addressesOf(key: PublicKey): string[] {
  return [key.toAddress('mainnet'), key.toAddress('testnet')]
}

function recoverBsmSigner(messageBytes: number[], signature: number[]): PublicKey | undefined {
  try {
    return PublicKey.fromMsgHashAndCompactSignature(new BigNumber(BSM.magicHash(messageBytes)), signature)
  } catch {
    // r is not the x of any curve point, or the recovered point is at infinity.
    return undefined
  }
}

function bsmSignatureMatches(messageBytes: number[], signature: number[], key: PublicKey): boolean {
  try {
    return BSM.verify(messageBytes, Signature.fromCompact(signature), key)
  } catch {
    return false
  }
}

type BsmRequest = Extract<LoginRequest, { method: 'bsm' }>
type Brc100Request = Extract<LoginRequest, { method: 'brc100' }>

function verifyBsm(request: BsmRequest, messageBytes: number[], network: AddressNetwork): VerifiedSigner {
  const signature = decodeCompactSignature(request.signature)
  if (signature === undefined) return { ok: false, code: 'SIGNATURE_MALFORMED' }

  let signer: PublicKey | undefined
  if (request.publicKey !== undefined) {
    signer = parsePublicKey(request.publicKey)
    if (signer === undefined) return { ok: false, code: 'PUBLIC_KEY_INVALID' }
    if (request.address !== undefined && !addressesOf(signer).includes(request.address)) {
      return { ok: false, code: 'KEY_MISMATCH' }
    }
    if (!bsmSignatureMatches(messageBytes, signature, signer)) return { ok: false, code: 'SIGNATURE_INVALID' }
  } else {
    // Only an address: the signature itself names the key, which must hash to that address.
    assert(request.address !== undefined, 'a bsm login names its signer (checked before verification)')
    signer = recoverBsmSigner(messageBytes, signature)
    if (signer === undefined || !addressesOf(signer).includes(request.address)) {
      return { ok: false, code: 'SIGNATURE_INVALID' }
    }
  }
  return { ok: true, identityKey: signer.toString(), address: signer.toAddress(network) }
}

async function verifyBrc100(request: Brc100Request, messageBytes: number[]): Promise<VerifiedSigner> {
  const identityKey = parsePublicKey(request.identityKey)
  if (identityKey === undefined) return { ok: false, code: 'PUBLIC_KEY_INVALID' }
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(request.signature)) return { ok: false, code: 'SIGNATURE_MALFORMED' }
  const signature = Utils.toArray(request.signature, 'hex')
  try {
    Signature.fromDER(signature)
  } catch {
    return { ok: false, code: 'SIGNATURE_MALFORMED' }
  }
  try {
    // verifySignature throws (ERR_INVALID_SIGNATURE) rather than answering false.
    await ANYONE.verifySignature({
      data: messageBytes,
      signature,
      protocolID: LOGIN_PROTOCOL_ID,
      keyID: request.challengeId,
      counterparty: identityKey.toString(),
    })
  } catch {
    return { ok: false, code: 'SIGNATURE_INVALID' }
  }
  return { ok: true, identityKey: identityKey.toString(), address: null }
}
