/**
 * Proves the upload form's checks before sending: the type comes from the magic numbers, the size
 * limit is the server's 10 MB, the short side and the three ratios hold within 1% either way,
 * the text fields follow the contract's limits, and refusals read as the server's would.
 */
import { describe, expect, test } from 'vitest'
import * as contract from '../../../../contracts/content.ts'
import { ERROR_MESSAGES } from '../../components/errorMessages.ts'
import {
  checkDimensions,
  checkFileHead,
  checkUploadFields,
  fieldOfUploadError,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  MAX_TITLE_LENGTH,
  MAX_UPLOAD_BYTES,
  matchAspect,
  parseTags,
  SNIFF_BYTES,
  sniffImageType,
} from './uploadChecks.ts'

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const ADDRESS = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT'
const PUBLIC_KEY = `02${'ab'.repeat(32)}`

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values)
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (character) => character.charCodeAt(0))
}

describe('sniffImageType', () => {
  test('knows PNG, JPEG and both GIF versions by their first bytes', () => {
    expect(sniffImageType(bytes(...PNG))).toBe('png')
    expect(sniffImageType(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46))).toBe('jpeg')
    expect(sniffImageType(ascii('GIF87a\x01\x00'))).toBe('gif')
    expect(sniffImageType(ascii('GIF89a\x01\x00'))).toBe('gif')
  })

  test('refuses other formats, near misses and files shorter than a signature', () => {
    expect(sniffImageType(ascii('RIFF\x00\x00\x00\x00'))).toBeNull()
    expect(sniffImageType(ascii('<svg xml'))).toBeNull()
    expect(sniffImageType(ascii('GIF88a\x01\x00'))).toBeNull()
    expect(sniffImageType(bytes(...PNG.slice(0, 7), 0x00))).toBeNull()
    expect(sniffImageType(bytes(0x89, 0x50))).toBeNull()
    expect(sniffImageType(bytes())).toBeNull()
  })

  test('reads no further than SNIFF_BYTES', () => {
    expect(sniffImageType(bytes(...PNG).slice(0, SNIFF_BYTES))).toBe('png')
  })
})

describe('checkFileHead', () => {
  test('an empty file, one over 10 MB and one of another type are refused with the server’s codes', () => {
    expect(checkFileHead(0, bytes())).toEqual({
      problem: { code: 'FILE_EMPTY', message: ERROR_MESSAGES.FILE_EMPTY },
    })
    expect(checkFileHead(MAX_UPLOAD_BYTES + 1, bytes(...PNG))).toEqual({
      problem: { code: 'FILE_TOO_LARGE', message: `${ERROR_MESSAGES.FILE_TOO_LARGE} This one is 10.0 MB.` },
    })
    expect(checkFileHead(12 * 1024 * 1024, bytes(...PNG))).toMatchObject({
      problem: { message: expect.stringContaining('This one is 12.0 MB.') },
    })
    expect(checkFileHead(100, ascii('%PDF-1.7'))).toEqual({
      problem: { code: 'UNSUPPORTED_TYPE', message: ERROR_MESSAGES.UNSUPPORTED_TYPE },
    })
  })

  test('up to exactly 10 MB of an image passes, with its type', () => {
    expect(checkFileHead(MAX_UPLOAD_BYTES, bytes(...PNG))).toEqual({ type: 'png' })
    expect(checkFileHead(1, ascii('GIF89a'))).toEqual({ type: 'gif' })
  })
})

describe('matchAspect', () => {
  test('16:9, 4:3 and 1:1 in either orientation', () => {
    expect(matchAspect(1920, 1080)).toBe('16:9')
    expect(matchAspect(1080, 1920)).toBe('16:9')
    expect(matchAspect(1440, 1080)).toBe('4:3')
    expect(matchAspect(1080, 1440)).toBe('4:3')
    expect(matchAspect(1080, 1080)).toBe('1:1')
  })

  test('within 1% of the target ratio passes, beyond it fails', () => {
    // 16:9 is 1.7778; 1% either way is 1.7600 to 1.7956.
    expect(matchAspect(1939, 1080)).toBe('16:9') // 1.7954
    expect(matchAspect(1940, 1080)).toBeNull() // 1.7963
    expect(matchAspect(1901, 1080)).toBe('16:9') // 1.7602
    expect(matchAspect(1900, 1080)).toBeNull() // 1.7593
    // Square: up to 1% longer on either side.
    expect(matchAspect(1090, 1080)).toBe('1:1')
    expect(matchAspect(1080, 1090)).toBe('1:1')
    expect(matchAspect(1091, 1080)).toBeNull()
  })

  test('ratios between the accepted ones and degenerate sizes match nothing', () => {
    expect(matchAspect(1620, 1080)).toBeNull() // 3:2
    expect(matchAspect(2520, 1080)).toBeNull() // 21:9
    expect(matchAspect(0, 1080)).toBeNull()
  })
})

describe('checkDimensions', () => {
  test('a short side below 1080 px is refused first, naming the size', () => {
    expect(checkDimensions(64, 64)).toEqual({
      code: 'IMAGE_TOO_SMALL',
      message: `${ERROR_MESSAGES.IMAGE_TOO_SMALL} This one is 64 × 64 pixels.`,
    })
    expect(checkDimensions(1919, 1079)?.code).toBe('IMAGE_TOO_SMALL')
    expect(checkDimensions(1079, 1919)?.code).toBe('IMAGE_TOO_SMALL')
  })

  test('a large image of another shape is refused for its ratio', () => {
    expect(checkDimensions(3000, 2000)).toEqual({
      code: 'ASPECT_RATIO_UNSUPPORTED',
      message: `${ERROR_MESSAGES.ASPECT_RATIO_UNSUPPORTED} This one is 3,000 × 2,000 pixels.`,
    })
  })

  test('1080p, 4K, 4:3 portrait and square pass', () => {
    for (const [width, height] of [
      [1920, 1080],
      [3840, 2160],
      [1080, 1440],
      [2048, 2048],
    ] as const) {
      expect(checkDimensions(width, height)).toBeNull()
    }
  })
})

describe('parseTags', () => {
  test('comma-separated, trimmed, empty ones dropped', () => {
    expect(parseTags(' cats, 3d ,, dance-off ,')).toEqual({ tags: ['cats', '3d', 'dance-off'] })
    expect(parseTags('')).toEqual({ tags: [] })
    expect(parseTags('chat, café')).toEqual({ tags: ['chat', 'café'] })
  })

  test('at most 10 tags of at most 32 characters, of letters, digits, dashes and spaces', () => {
    const ten = Array.from({ length: MAX_TAGS }, (_, index) => `t${index}`)
    expect(parseTags(ten.join(','))).toEqual({ tags: ten })
    expect(parseTags([...ten, 'eleven', 'twelve'].join(','))).toEqual({
      error: 'At most 10 tags; there are 12.',
    })
    expect(parseTags('a'.repeat(MAX_TAG_LENGTH))).toEqual({ tags: ['a'.repeat(MAX_TAG_LENGTH)] })
    expect(parseTags(`ok, ${'b'.repeat(MAX_TAG_LENGTH + 1)}`)).toEqual({
      error: `“${'b'.repeat(33)}” is longer than 32 characters.`,
    })
    expect(parseTags('fine, #hashtag')).toEqual({
      error: 'Tags hold letters, digits, dashes and spaces only; “#hashtag” does not.',
    })
  })
})

describe('checkUploadFields', () => {
  test('good fields become the details, trimmed, with the tags as a list', () => {
    expect(
      checkUploadFields({ creator: ` ${ADDRESS} `, title: ' Doge in orbit ', tags: 'doge, space' }),
    ).toEqual({ details: { creator: ADDRESS, title: 'Doge in orbit', tags: ['doge', 'space'] } })
    expect(checkUploadFields({ creator: PUBLIC_KEY, title: 'x', tags: '' })).toEqual({
      details: { creator: PUBLIC_KEY, title: 'x', tags: [] },
    })
  })

  test('reports every field at once', () => {
    expect(checkUploadFields({ creator: '', title: '   ', tags: 'a!' })).toEqual({
      errors: {
        creator: 'Enter the creator’s BSV address or public key.',
        title: 'Give the meme a title.',
        tags: 'Tags hold letters, digits, dashes and spaces only; “a!” does not.',
      },
    })
  })

  test('a creator of neither shape, and a title over 120 characters, are refused', () => {
    const uncompressed = `04${'ab'.repeat(64)}`
    for (const creator of ['0BoatSLRHtKNngkdXEeobR76b53LETtpyT', uncompressed, 'satoshi']) {
      expect(checkUploadFields({ creator, title: 'x', tags: '' })).toEqual({
        errors: { creator: ERROR_MESSAGES.CREATOR_INVALID },
      })
    }
    expect(
      checkUploadFields({ creator: ADDRESS, title: 'é'.repeat(MAX_TITLE_LENGTH), tags: '' }),
    ).toHaveProperty('details')
    expect(checkUploadFields({ creator: ADDRESS, title: 'x'.repeat(121), tags: '' })).toEqual({
      errors: { title: 'The title is 121 characters; at most 120 fit.' },
    })
  })
})

describe('fieldOfUploadError', () => {
  test('file, creator, title and tags codes belong to their fields; the rest to the form', () => {
    expect(fieldOfUploadError('IMAGE_TOO_SMALL')).toBe('file')
    expect(fieldOfUploadError('DUPLICATE_MEME')).toBe('file')
    expect(fieldOfUploadError('CREATOR_INVALID')).toBe('creator')
    expect(fieldOfUploadError('TITLE_INVALID')).toBe('title')
    expect(fieldOfUploadError('TAGS_INVALID')).toBe('tags')
    expect(fieldOfUploadError('FORBIDDEN')).toBeNull()
    expect(fieldOfUploadError(undefined)).toBeNull()
  })
})

describe('limits', () => {
  test('match the ones contracts/content.ts publishes', () => {
    expect(MAX_TITLE_LENGTH).toBe(contract.MAX_TITLE_LENGTH)
    expect(MAX_TAGS).toBe(contract.MAX_TAGS)
    expect(MAX_TAG_LENGTH).toBe(contract.MAX_TAG_LENGTH)
  })
})
