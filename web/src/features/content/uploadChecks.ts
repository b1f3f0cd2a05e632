/**
 * The upload form's checks before anything is sent (SPEC 4): the file is a PNG, JPEG or GIF by
 * its first bytes, at most 10 MB, at least 1080 px on its short side and 16:9, 4:3 or 1:1 within
 * 1% either way; the creator looks like an address or a public key; the title and tags fit.
 * The server checks all of it again (and more: checksums, decompression bombs, duplicates);
 * these checks only spare the admin a round trip, and a large upload, for the obvious mistakes.
 * A file refused here is refused with the server's own code, so it reads the same either way.
 *
 * The limits mirror the server's (contracts/content.ts and the validation defaults); a unit test
 * keeps the ones the contract exports in step.
 */
import { ERROR_MESSAGES } from '../../components/errorMessages.ts'
import { formatInteger } from '../../components/format.ts'

export type ImageType = 'png' | 'jpeg' | 'gif'

/** 10 MB as the server counts it (10 MiB). */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024
export const MIN_SHORT_SIDE_PX = 1080
/** SPEC 4 "±1%", relative to the target ratio (long side over short side), as the server takes it. */
export const ASPECT_TOLERANCE = 0.01
export const MAX_TITLE_LENGTH = 120
export const MAX_TAGS = 10
export const MAX_TAG_LENGTH = 32
/** The longest signature below is PNG's eight bytes. */
export const SNIFF_BYTES = 8

const SIGNATURES: readonly (readonly [ImageType, readonly number[]])[] = [
  ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['jpeg', [0xff, 0xd8, 0xff]],
  // "GIF87a" and "GIF89a".
  ['gif', [0x47, 0x49, 0x46, 0x38, 0x37, 0x61]],
  ['gif', [0x47, 0x49, 0x46, 0x38, 0x39, 0x61]],
]

const ASPECT_RATIOS: readonly (readonly [string, number])[] = [
  ['16:9', 16 / 9],
  ['4:3', 4 / 3],
  ['1:1', 1],
]

/** 25 to 35 characters of the Base58 alphabet: what every P2PKH address looks like. */
const ADDRESS_SHAPE = /^[1-9A-HJ-NP-Za-km-z]{25,35}$/
/** A compressed secp256k1 public key: 02 or 03, then 32 bytes, in hex. */
const PUBLIC_KEY_SHAPE = /^0[23][0-9a-fA-F]{64}$/
/** The server's rule (TAGS_INVALID): letters, digits, dashes and spaces. */
const TAG_SHAPE = /^[\p{L}\p{N} -]+$/u

/** The file's type from its first bytes (never its name or the browser's guess), or null. */
export function sniffImageType(head: Uint8Array): ImageType | null {
  for (const [type, signature] of SIGNATURES) {
    if (signature.every((byte, index) => head[index] === byte)) return type
  }
  return null
}

/** Why the file cannot be uploaded, as the server's code and a sentence that names the rule. */
export interface FileProblem {
  code: string
  message: string
}

function problem(code: string, detail?: string): FileProblem {
  const rule = ERROR_MESSAGES[code] ?? code
  return { code, message: detail ? `${rule} ${detail}` : rule }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${formatInteger(bytes)} bytes`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
}

/** The form was sent without an image. */
export function missingFile(): FileProblem {
  return problem('FILE_MISSING')
}

/** The checks that need only the file's length and first bytes, in the server's order; then its type. */
export function checkFileHead(
  byteSize: number,
  head: Uint8Array,
): { problem: FileProblem } | { type: ImageType } {
  if (byteSize === 0) return { problem: problem('FILE_EMPTY') }
  if (byteSize > MAX_UPLOAD_BYTES) {
    return { problem: problem('FILE_TOO_LARGE', `This one is ${formatBytes(byteSize)}.`) }
  }
  const type = sniffImageType(head)
  return type === null ? { problem: problem('UNSUPPORTED_TYPE') } : { type }
}

/** The accepted ratio that the size matches within the tolerance, in either orientation, or null. */
export function matchAspect(widthPx: number, heightPx: number): string | null {
  const longPx = Math.max(widthPx, heightPx)
  const shortPx = Math.min(widthPx, heightPx)
  if (shortPx <= 0) return null
  const ratio = longPx / shortPx
  const match = ASPECT_RATIOS.find(([, target]) => Math.abs(ratio - target) / target <= ASPECT_TOLERANCE)
  return match ? match[0] : null
}

/** The checks on the decoded size: the short side first, then the shape, as the server orders them. */
export function checkDimensions(widthPx: number, heightPx: number): FileProblem | null {
  const size = `This one is ${formatInteger(widthPx)} × ${formatInteger(heightPx)} pixels.`
  if (Math.min(widthPx, heightPx) < MIN_SHORT_SIDE_PX) return problem('IMAGE_TOO_SMALL', size)
  if (matchAspect(widthPx, heightPx) === null) return problem('ASPECT_RATIO_UNSUPPORTED', size)
  return null
}

export type UploadField = 'file' | 'creator' | 'title' | 'tags'
/** The errors of the text fields; the file's are FileProblems, which keep their code. */
export type UploadFieldErrors = Partial<Record<Exclude<UploadField, 'file'>, string>>

export interface UploadFields {
  creator: string
  title: string
  tags: string
}

/** What the form sends besides the file, cleaned: trimmed, and the tags as a list. */
export interface UploadDetails {
  creator: string
  title: string
  tags: string[]
}

/** Characters as a person counts them (and as the server's schema does), not UTF-16 units. */
function characterCount(text: string): number {
  return [...text].length
}

/** Comma-separated tags, trimmed, empty ones dropped; or the sentence saying which rule one breaks. */
export function parseTags(text: string): { tags: string[] } | { error: string } {
  const tags = text
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '')
  if (tags.length > MAX_TAGS) return { error: `At most ${MAX_TAGS} tags; there are ${tags.length}.` }
  const tooLong = tags.find((tag) => characterCount(tag) > MAX_TAG_LENGTH)
  if (tooLong) return { error: `“${tooLong}” is longer than ${MAX_TAG_LENGTH} characters.` }
  const badShape = tags.find((tag) => !TAG_SHAPE.test(tag))
  if (badShape) return { error: `Tags hold letters, digits, dashes and spaces only; “${badShape}” does not.` }
  return { tags }
}

export function looksLikeCreator(text: string): boolean {
  return ADDRESS_SHAPE.test(text) || PUBLIC_KEY_SHAPE.test(text)
}

/** The three text fields at once, so the admin sees every mistake after one press of the button. */
export function checkUploadFields(
  fields: UploadFields,
): { details: UploadDetails } | { errors: UploadFieldErrors } {
  const errors: UploadFieldErrors = {}
  const creator = fields.creator.trim()
  if (creator === '') errors.creator = 'Enter the creator’s BSV address or public key.'
  else if (!looksLikeCreator(creator)) errors.creator = ERROR_MESSAGES.CREATOR_INVALID
  const title = fields.title.trim()
  if (title === '') errors.title = 'Give the meme a title.'
  else if (characterCount(title) > MAX_TITLE_LENGTH) {
    errors.title = `The title is ${characterCount(title)} characters; at most ${MAX_TITLE_LENGTH} fit.`
  }
  const tags = parseTags(fields.tags)
  if ('error' in tags) errors.tags = tags.error
  if (Object.keys(errors).length > 0 || 'error' in tags) return { errors }
  return { details: { creator, title, tags: tags.tags } }
}

const FIELD_OF_CODE: Readonly<Record<string, UploadField>> = {
  FILE_MISSING: 'file',
  FILE_EMPTY: 'file',
  FILE_TOO_LARGE: 'file',
  PAYLOAD_TOO_LARGE: 'file',
  UNSUPPORTED_TYPE: 'file',
  IMAGE_CORRUPT: 'file',
  IMAGE_DECODE_TIMEOUT: 'file',
  IMAGE_TOO_SMALL: 'file',
  ASPECT_RATIO_UNSUPPORTED: 'file',
  IMAGE_TOO_MANY_PIXELS: 'file',
  TOO_MANY_FRAMES: 'file',
  DUPLICATE_MEME: 'file',
  CREATOR_INVALID: 'creator',
  TITLE_INVALID: 'title',
  TAGS_INVALID: 'tags',
}

/** Which field a server refusal is about, so its message appears under that field. */
export function fieldOfUploadError(code: string | undefined): UploadField | null {
  return code === undefined ? null : (FIELD_OF_CODE[code] ?? null)
}
