/**
 * The three decisions on a meme in review, each confirmed in a dialog before anything is sent:
 * approve (it joins the round queue), reject (with a reason, which is required and kept), or
 * animate it again (transformation and quality check start over). An approved meme that no round
 * has taken yet can still be rejected. The answer is merged into the
 * cache by the mutation itself; here it only closes the dialog and says what happened.
 */
import { type ComponentType, type FormEvent, useRef, useState } from 'react'
import type { AdminMemeView } from '../../../../contracts/content.ts'
import { toDisplayError } from '../../components/errorMessages.ts'
import { TextAreaField } from '../../components/Field.tsx'
import { Modal } from '../../components/Modal.tsx'
import { ActionError } from '../../components/QueryError.tsx'
import {
  useMemeApprovedMutation,
  useMemeRejectedMutation,
  useRetryRequestedMutation,
} from '../content/contentApi.ts'
import { memeStateNote } from '../content/memeWording.ts'

/** The server's limit on a rejection reason (contracts/content.ts RejectBody). */
const MAX_REASON_LENGTH = 500

type Decision = 'approve' | 'reject' | 'retry'

interface DialogProps {
  meme: AdminMemeView
  onCancel(): void
  onDone(meme: AdminMemeView): void
  /** Where focus goes when the button that opened the dialog went away with the decision. */
  returnFocus(): HTMLElement | null
}

function ApproveDialog({ meme, onCancel, onDone, returnFocus }: DialogProps) {
  const [approve, { error, isLoading }] = useMemeApprovedMutation()
  const onConfirmed = async () => {
    const result = await approve(meme.id)
    if (result.data) onDone(result.data)
  }
  return (
    <Modal title="Approve this meme?" onClose={onCancel} returnFocusFallback={returnFocus}>
      <p>
        “{meme.title}” joins the end of the round queue. Rounds take memes first in, first out, and from then
        on viewers pay to watch it.
      </p>
      {error && <ActionError error={toDisplayError(error)} />}
      <div className="dialog-actions">
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-primary" onClick={onConfirmed} disabled={isLoading}>
          {isLoading ? 'Approving…' : 'Approve'}
        </button>
      </div>
    </Modal>
  )
}

function RetryDialog({ meme, onCancel, onDone, returnFocus }: DialogProps) {
  const [retry, { error, isLoading }] = useRetryRequestedMutation()
  const onConfirmed = async () => {
    const result = await retry(meme.id)
    if (result.data) onDone(result.data)
  }
  return (
    <Modal title="Animate this meme again?" onClose={onCancel} returnFocusFallback={returnFocus}>
      <p>
        The transformation and the quality check start over from the original. “{meme.title}” comes back to
        review when they finish.
      </p>
      {error && <ActionError error={toDisplayError(error)} />}
      <div className="dialog-actions">
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-primary" onClick={onConfirmed} disabled={isLoading}>
          {isLoading ? 'Starting…' : 'Animate again'}
        </button>
      </div>
    </Modal>
  )
}

function RejectDialog({ meme, onCancel, onDone, returnFocus }: DialogProps) {
  const [reason, setReason] = useState('')
  const [reasonError, setReasonError] = useState<string | null>(null)
  const [reject, { error, isLoading }] = useMemeRejectedMutation()
  const onSubmitted = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const trimmed = reason.trim()
    if (trimmed === '') {
      setReasonError('Say why it is rejected; the reason is kept with the meme.')
      return
    }
    setReasonError(null)
    const result = await reject({ id: meme.id, reason: trimmed })
    if (result.data) onDone(result.data)
  }
  return (
    <Modal title="Reject this meme?" onClose={onCancel} returnFocusFallback={returnFocus}>
      <form className="dialog-step" onSubmit={onSubmitted} noValidate>
        <p>
          “{meme.title}” will not be shown in any round. Its files stay, so the decision can be looked up.
        </p>
        <TextAreaField
          label="Reason"
          rows={3}
          maxLength={MAX_REASON_LENGTH}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          hint={`Required; up to ${MAX_REASON_LENGTH} characters.`}
          error={reasonError}
        />
        {error && <ActionError error={toDisplayError(error)} />}
        <div className="dialog-actions">
          <button type="button" className="button button-secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="button button-danger" disabled={isLoading}>
            {isLoading ? 'Rejecting…' : 'Reject'}
          </button>
        </div>
      </form>
    </Modal>
  )
}

const DIALOGS: Readonly<Record<Decision, ComponentType<DialogProps>>> = {
  approve: ApproveDialog,
  reject: RejectDialog,
  retry: RetryDialog,
}

/** What the page says once a decision is made; the approval names the meme's place in the queue. */
function decidedNote(decision: Decision, meme: AdminMemeView): string {
  switch (decision) {
    case 'approve':
      return memeStateNote(meme)
    case 'reject':
      return 'Rejected. The reason is kept with the meme.'
    case 'retry':
      return 'Sent back to be animated again; it returns to review when that is done.'
  }
}

export function ReviewDecision({ meme }: { meme: AdminMemeView }) {
  const [open, setOpen] = useState<Decision | null>(null)
  const [decided, setDecided] = useState<string | null>(null)
  const decidedRef = useRef<HTMLParagraphElement>(null)
  const Dialog = open ? DIALOGS[open] : null

  const onDone = (result: AdminMemeView) => {
    if (open) setDecided(decidedNote(open, result))
    setOpen(null)
  }

  return (
    <>
      {decided && (
        <p ref={decidedRef} className="review-decided" role="status" tabIndex={-1}>
          {decided}
        </p>
      )}
      {meme.state === 'in_review' && (
        <div className="review-actions">
          <button type="button" className="button button-primary" onClick={() => setOpen('approve')}>
            Approve
          </button>
          <button type="button" className="button button-danger" onClick={() => setOpen('reject')}>
            Reject
          </button>
          <button type="button" className="button button-secondary" onClick={() => setOpen('retry')}>
            Animate again
          </button>
        </div>
      )}
      {meme.state === 'approved' && (
        <>
          <p className="admin-lead">Until a round takes it, an approved meme can still be rejected.</p>
          <div className="review-actions">
            <button type="button" className="button button-danger" onClick={() => setOpen('reject')}>
              Reject
            </button>
          </div>
        </>
      )}
      {meme.state !== 'in_review' && meme.state !== 'approved' && decided === null && (
        <p className="admin-lead">Only a meme in review can be approved, rejected or animated again.</p>
      )}
      {Dialog && (
        <Dialog
          meme={meme}
          onCancel={() => setOpen(null)}
          onDone={onDone}
          returnFocus={() => decidedRef.current}
        />
      )}
    </>
  )
}
