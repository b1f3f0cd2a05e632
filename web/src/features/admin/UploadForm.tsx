/**
 * Uploading a meme on behalf of its creator (SPEC 4). The image is chosen or dropped, checked at
 * once in the browser (uploadChecks.ts) and previewed with its size; the text fields are checked
 * when the button is pressed. Only then is it sent, with a progress bar and a way to cancel. A
 * refusal from the server appears under the field it is about, worded by its code; an accepted
 * meme goes straight into the processing list.
 */
import { type DragEvent, type FormEvent, type RefObject, useEffect, useId, useRef, useState } from 'react'
import type { DisplayError } from '../../components/errorMessages.ts'
import { TextField } from '../../components/Field.tsx'
import { ActionError } from '../../components/QueryError.tsx'
import { memeViewReceived, useContentDispatch } from '../content/contentApi.ts'
import { type FileInspection, inspectImageFile } from '../content/inspectImage.ts'
import { formatProgress } from '../content/memeWording.ts'
import {
  checkUploadFields,
  fieldOfUploadError,
  formatBytes,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  MAX_TITLE_LENGTH,
  missingFile,
  type UploadDetails,
  type UploadFieldErrors,
  type UploadFields,
} from '../content/uploadChecks.ts'
import { type RunningUpload, startUpload, type UploadOutcome, uploadForm } from '../content/uploadRequest.ts'

const ACCEPTED_TYPES = 'image/png,image/jpeg,image/gif'

interface ChosenFile {
  file: File
  previewUrl: string
  /** Null while the browser is still reading it. */
  inspection: FileInspection | null
}

interface Sending {
  title: string
  /** Of the body sent so far; null while the browser cannot tell. */
  fraction: number | null
}

function inspectionFacts(chosen: ChosenFile): string {
  const { inspection, file } = chosen
  if (inspection === null) return 'Checking the image…'
  if (!inspection.ok || inspection.size === null) return formatBytes(file.size)
  const { width, height } = inspection.size
  return `${inspection.type.toUpperCase()} · ${width} × ${height} pixels · ${formatBytes(file.size)}`
}

/** Why the image cannot go, with the code it was refused under (in data-code, for tests and support). */
interface FileError {
  code?: string | undefined
  message: string
}

interface ImagePickerProps {
  chosen: ChosenFile | null
  error: FileError | null
  inputRef: RefObject<HTMLInputElement | null>
  onChoose(file: File | undefined): void
}

/** The file input inside a zone that also takes a dropped file; the preview shows what was chosen. */
function ImagePicker({ chosen, error, inputRef, onChoose }: ImagePickerProps) {
  const id = useId()
  const [dragging, setDragging] = useState(false)

  const onDragOver = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault()
    setDragging(true)
  }
  const onDragLeave = (event: DragEvent<HTMLDivElement>) => {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false)
  }
  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault()
    setDragging(false)
    const { files } = event.dataTransfer
    // The input shows the dropped file's name, as if it had been chosen there.
    if (inputRef.current) inputRef.current.files = files
    onChoose(files[0])
  }

  return (
    <div className="field upload-image">
      <label htmlFor={id}>Image</label>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: dropping is a pointer shortcut; the file input inside is the way to choose for everyone. */}
      <div
        className="upload-drop"
        data-dragging={dragging}
        onDragEnter={onDragOver}
        onDragOver={onDragOver}
        onDragLeave={onDragLeave}
        onDrop={onDrop}
      >
        <input
          ref={inputRef}
          id={id}
          type="file"
          className="upload-input"
          accept={ACCEPTED_TYPES}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-hint ${id}-error` : `${id}-hint`}
          onChange={(event) => onChoose(event.target.files?.[0])}
        />
        <p className="upload-drop-text">or drop the image here</p>
        {chosen && (
          <div className="upload-preview">
            <img src={chosen.previewUrl} alt={`Preview of ${chosen.file.name}`} />
            <p className="upload-preview-facts" aria-live="polite">
              <span className="break-anywhere">{chosen.file.name}</span>
              <span className="mono">{inspectionFacts(chosen)}</span>
            </p>
          </div>
        )}
      </div>
      <p id={`${id}-hint`} className="field-hint">
        PNG, JPEG or GIF up to 10 MB, at least 1080 pixels on the short side, shaped 16:9, 4:3 or square
        (either way up).
      </p>
      {error && (
        <p id={`${id}-error`} className="field-error" role="alert" data-code={error.code}>
          {error.message}
        </p>
      )}
    </div>
  )
}

function UploadProgress({ sending, onCancel }: { sending: Sending; onCancel(): void }) {
  const id = useId()
  const { title, fraction } = sending
  let label = `Uploading “${title}”…`
  if (fraction === 1) label = `Sent. The server is checking “${title}”…`
  else if (fraction !== null) label = `Uploading “${title}”: ${formatProgress(fraction)}`
  return (
    <div className="upload-progress">
      <label htmlFor={id}>{label}</label>
      <progress id={id} max={1} value={fraction ?? undefined} />
      {/* Once the whole file is out, cancelling would only hide the server's answer, not stop it. */}
      {fraction !== 1 && (
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel upload
        </button>
      )}
    </div>
  )
}

/** The chosen file, its preview URL released when it is replaced or the form goes away. */
function useChosenFile() {
  const [chosen, setChosen] = useState<ChosenFile | null>(null)
  const previewUrl = chosen?.previewUrl
  useEffect(() => () => (previewUrl ? URL.revokeObjectURL(previewUrl) : undefined), [previewUrl])

  const choose = (file: File | undefined) => {
    if (!file) {
      setChosen(null)
      return
    }
    setChosen({ file, previewUrl: URL.createObjectURL(file), inspection: null })
    void inspectImageFile(file).then((inspection) =>
      // A file chosen meanwhile replaces this one; its inspection no longer matters.
      setChosen((current) => (current?.file === file ? { ...current, inspection } : current)),
    )
  }
  return [chosen, choose] as const
}

/** One upload at a time, with its progress; leaving the page cancels it rather than letting it finish unseen. */
function useUpload() {
  const runningRef = useRef<RunningUpload | null>(null)
  const [sending, setSending] = useState<Sending | null>(null)
  useEffect(() => () => runningRef.current?.cancel(), [])

  const send = async (file: File, details: UploadDetails): Promise<UploadOutcome> => {
    const running = startUpload(uploadForm(file, details), (fraction) =>
      setSending((current) => current && { ...current, fraction }),
    )
    runningRef.current = running
    setSending({ title: details.title, fraction: 0 })
    const outcome = await running.done
    runningRef.current = null
    setSending(null)
    return outcome
  }
  return { sending, send, cancel: () => runningRef.current?.cancel() }
}

interface DetailFieldsProps {
  fields: UploadFields
  errors: UploadFieldErrors
  onChange(fields: UploadFields): void
}

function DetailFields({ fields, errors, onChange }: DetailFieldsProps) {
  return (
    <div className="upload-fields">
      <TextField
        className="upload-creator"
        label="Creator"
        autoComplete="off"
        autoCapitalize="off"
        spellCheck={false}
        value={fields.creator}
        onChange={(event) => onChange({ ...fields, creator: event.target.value })}
        hint="The creator’s BSV address or public key; they earn the creator share for ever."
        error={errors.creator}
      />
      <TextField
        className="upload-title"
        label="Title"
        value={fields.title}
        onChange={(event) => onChange({ ...fields, title: event.target.value })}
        hint={`Up to ${MAX_TITLE_LENGTH} characters.`}
        error={errors.title}
      />
      <TextField
        className="upload-tags"
        label="Tags"
        autoComplete="off"
        value={fields.tags}
        onChange={(event) => onChange({ ...fields, tags: event.target.value })}
        hint={`Separated by commas: up to ${MAX_TAGS} tags of ${MAX_TAG_LENGTH} letters, digits, dashes or spaces.`}
        error={errors.tags}
      />
    </div>
  )
}

const NO_FIELDS: UploadFields = { creator: '', title: '', tags: '' }

export function UploadForm() {
  const dispatch = useContentDispatch()
  const inputRef = useRef<HTMLInputElement>(null)
  const [chosen, choose] = useChosenFile()
  const { sending, send, cancel } = useUpload()
  const [fields, setFields] = useState(NO_FIELDS)
  const [fieldErrors, setFieldErrors] = useState<UploadFieldErrors>({})
  const [fileError, setFileError] = useState<FileError | null>(null)
  const [formError, setFormError] = useState<DisplayError | null>(null)
  const [outcomeNote, setOutcomeNote] = useState<{ outcome: 'uploaded' | 'cancelled'; text: string } | null>(
    null,
  )

  const onChoose = (file: File | undefined) => {
    setOutcomeNote(null)
    setFileError(null)
    choose(file)
  }

  const onSubmitted = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setFormError(null)
    setOutcomeNote(null)
    const checked = checkUploadFields(fields)
    setFieldErrors('errors' in checked ? checked.errors : {})
    if (!chosen) setFileError(missingFile())
    if (!chosen?.inspection?.ok || 'errors' in checked) return

    const outcome = await send(chosen.file, checked.details)
    if ('meme' in outcome) {
      dispatch(memeViewReceived(outcome.meme))
      setOutcomeNote({
        outcome: 'uploaded',
        text: `Uploaded “${outcome.meme.title}”. It is being animated now: follow it under Processing; it waits under Review when it is ready.`,
      })
      // The creator stays: an admin often uploads several memes for the same person.
      setFields({ ...NO_FIELDS, creator: fields.creator })
      if (inputRef.current) inputRef.current.value = ''
      choose(undefined)
    } else if ('error' in outcome) {
      const field = fieldOfUploadError(outcome.error.code)
      if (field === 'file') setFileError(outcome.error)
      else if (field) setFieldErrors({ [field]: outcome.error.message })
      else setFormError(outcome.error)
    } else {
      setOutcomeNote({ outcome: 'cancelled', text: 'Upload cancelled.' })
    }
  }

  const checking = chosen !== null && chosen.inspection === null
  return (
    <form className="upload-form" onSubmit={onSubmitted} noValidate aria-label="Upload a meme">
      <ImagePicker
        chosen={chosen}
        error={fileError ?? (chosen?.inspection?.ok === false ? chosen.inspection.problem : null)}
        inputRef={inputRef}
        onChoose={onChoose}
      />
      <DetailFields fields={fields} errors={fieldErrors} onChange={setFields} />
      {sending ? (
        <UploadProgress sending={sending} onCancel={cancel} />
      ) : (
        <div className="upload-actions">
          <button type="submit" className="button button-primary" disabled={checking}>
            {checking ? 'Checking the image…' : 'Upload'}
          </button>
        </div>
      )}
      {formError && <ActionError error={formError} />}
      {outcomeNote && (
        <p className="upload-done" role="status" data-outcome={outcomeNote.outcome}>
          {outcomeNote.text}
        </p>
      )}
    </form>
  )
}
