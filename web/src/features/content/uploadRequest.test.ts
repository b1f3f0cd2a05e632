/**
 * Proves the upload request's two pure halves: the form carries the fields before the file, and
 * a finished request becomes the new meme or an error worded by its code (upload refusals
 * included), whatever the body.
 */
import { describe, expect, test } from 'vitest'
import { ERROR_MESSAGES } from '../../components/errorMessages.ts'
import { uploadForm, uploadOutcome } from './uploadRequest.ts'

describe('uploadForm', () => {
  test('creator, title and the tags joined by commas, then the file last', async () => {
    const file = new File([new Uint8Array([1, 2, 3])], 'meme.png', { type: 'image/png' })
    const form = uploadForm(file, { creator: '1Creator', title: 'Doge', tags: ['doge', 'space cat'] })
    expect([...form.keys()]).toEqual(['creator', 'title', 'tags', 'file'])
    expect(form.get('tags')).toBe('doge,space cat')
    const sent = form.get('file')
    expect(sent).toBeInstanceOf(File)
    expect(new Uint8Array(await (sent as File).arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]))
  })
})

describe('uploadOutcome', () => {
  test('201 with a meme is the new meme', () => {
    const meme = { id: 'm1', state: 'validated' }
    expect(uploadOutcome(201, JSON.stringify(meme))).toEqual({ meme })
  })

  test('a refusal is worded by its code and keeps the request id', () => {
    const body = { error: { code: 'IMAGE_TOO_SMALL', message: 'small', requestId: 'req-9' } }
    expect(uploadOutcome(422, JSON.stringify(body))).toEqual({
      error: { message: ERROR_MESSAGES.IMAGE_TOO_SMALL, code: 'IMAGE_TOO_SMALL', requestId: 'req-9' },
    })
    const duplicate = { error: { code: 'DUPLICATE_MEME', message: 'dup', requestId: 'req-10' } }
    expect(uploadOutcome(409, JSON.stringify(duplicate))).toMatchObject({
      error: { message: ERROR_MESSAGES.DUPLICATE_MEME, code: 'DUPLICATE_MEME' },
    })
  })

  test('a body that is not JSON, or a success without a meme, reads as the status', () => {
    expect(uploadOutcome(502, '<html>Bad gateway</html>')).toEqual({
      error: { message: 'The server answered with status 502.' },
    })
    expect(uploadOutcome(201, '')).toEqual({ error: { message: 'The server answered with status 201.' } })
  })
})
