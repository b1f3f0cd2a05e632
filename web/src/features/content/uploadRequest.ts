/**
 * Sends an upload to POST /api/v1/admin/memes as multipart/form-data. XMLHttpRequest rather than
 * fetch: only it reports how much of the body has gone out, which is what the progress bar
 * shows while a 10 MB image travels. The session cookie goes with it (same origin).
 */
import type { AdminMemeView } from '../../../../contracts/content.ts'
import { type DisplayError, toDisplayError } from '../../components/errorMessages.ts'
import type { UploadDetails } from './uploadChecks.ts'

export const UPLOAD_URL = '/api/v1/admin/memes'
const HTTP_CREATED = 201

export type UploadOutcome = { meme: AdminMemeView } | { error: DisplayError } | { cancelled: true }

export interface RunningUpload {
  done: Promise<UploadOutcome>
  cancel(): void
}

/**
 * The form body. The text fields come before the file: a multipart parser that streams the file
 * (as the server's does) has read only the fields in front of it when the file arrives.
 */
export function uploadForm(file: Blob, details: UploadDetails): FormData {
  const form = new FormData()
  form.append('creator', details.creator)
  form.append('title', details.title)
  form.append('tags', details.tags.join(','))
  form.append('file', file)
  return form
}

/** What a finished request means: the new meme, or the error worded by its code. */
export function uploadOutcome(status: number, body: string): UploadOutcome {
  let data: unknown = body
  try {
    data = JSON.parse(body)
  } catch {
    // Not JSON (a proxy's error page): the status alone is all there is to say.
  }
  if (status === HTTP_CREATED && typeof data === 'object' && data !== null && 'id' in data) {
    return { meme: data as AdminMemeView }
  }
  return { error: toDisplayError({ status, data }) }
}

/** Starts the upload; `onProgress` hears the fraction sent, or null while the total is unknown. */
export function startUpload(form: FormData, onProgress: (fraction: number | null) => void): RunningUpload {
  const request = new XMLHttpRequest()
  const done = new Promise<UploadOutcome>((resolve) => {
    request.upload.addEventListener('progress', (event) => {
      onProgress(event.lengthComputable && event.total > 0 ? event.loaded / event.total : null)
    })
    request.addEventListener('load', () => resolve(uploadOutcome(request.status, request.responseText)))
    request.addEventListener('error', () =>
      resolve({ error: toDisplayError({ status: 'FETCH_ERROR', error: 'The upload was interrupted.' }) }),
    )
    request.addEventListener('abort', () => resolve({ cancelled: true }))
  })
  request.open('POST', UPLOAD_URL)
  request.withCredentials = true
  request.setRequestHeader('accept', 'application/json')
  request.send(form)
  return { done, cancel: () => request.abort() }
}
