/**
 * Proves the one map from error codes to wording: every code the server can send has the app's
 * own sentence, server errors are worded by code with their request id, and transport failures
 * and thrown errors still read as sentences.
 */
import { describe, expect, test } from 'vitest'
import { ERROR_CODE_NAMES } from '../../../contracts/errors.ts'
import { WS_ERROR_CODES } from '../../../contracts/ws.ts'
import { WS_CLIENT_ERRORS } from '../app/ws.ts'
import { ERROR_MESSAGES, formatDisplayError, toDisplayError } from './errorMessages.ts'

describe('error messages', () => {
  test('every code in contracts/errors.ts has a message', () => {
    const missing = ERROR_CODE_NAMES.filter((code) => ERROR_MESSAGES[code] === undefined)
    expect(missing).toEqual([])
  })

  test("every WebSocket code, the server's and the client's own, has a message", () => {
    const codes = [...Object.keys(WS_ERROR_CODES), ...Object.keys(WS_CLIENT_ERRORS)]
    expect(codes.filter((code) => ERROR_MESSAGES[code] === undefined)).toEqual([])
  })

  test('a WebSocket error is worded by its code; an unknown code keeps its message', () => {
    expect(toDisplayError({ code: 'WATCH_TOO_MANY_SESSIONS', message: 'too many' })).toEqual({
      message: ERROR_MESSAGES.WATCH_TOO_MANY_SESSIONS,
      code: 'WATCH_TOO_MANY_SESSIONS',
    })
    expect(toDisplayError({ code: 'SOMETHING_NEW', message: 'Something new.' })).toEqual({
      message: 'Something new.',
      code: 'SOMETHING_NEW',
    })
  })

  test('a server error is worded by its code and keeps its request id', () => {
    const shown = toDisplayError({
      status: 401,
      data: { error: { code: 'CHALLENGE_EXPIRED', message: 'expired', requestId: 'req-7' } },
    })
    expect(shown).toEqual({
      message: ERROR_MESSAGES.CHALLENGE_EXPIRED,
      code: 'CHALLENGE_EXPIRED',
      requestId: 'req-7',
    })
    expect(formatDisplayError(shown)).toBe(`${ERROR_MESSAGES.CHALLENGE_EXPIRED} (request req-7)`)
  })

  test("an unknown code falls back to the server's own message", () => {
    const shown = toDisplayError({
      status: 418,
      data: { error: { code: 'TEAPOT', message: 'I am a teapot.' } },
    })
    expect(shown.message).toBe('I am a teapot.')
  })

  test('transport failures, thrown errors and strings read as sentences', () => {
    expect(toDisplayError({ status: 'FETCH_ERROR', error: 'TypeError' }).message).toBe(
      'The server could not be reached.',
    )
    expect(toDisplayError({ status: 502, data: '<html>' }).message).toBe(
      'The server answered with status 502.',
    )
    expect(toDisplayError(new Error('User rejected')).message).toBe('User rejected')
    expect(toDisplayError('closed').message).toBe('closed')
    expect(toDisplayError(undefined).message).toBe('Unknown error.')
  })
})
