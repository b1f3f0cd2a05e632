/**
 * An accessible modal dialog on the native <dialog> element. showModal() puts it in the top
 * layer and makes the rest of the page inert, so neither pointer nor screen reader can reach
 * what is behind it. On top of that: Tab and Shift+Tab wrap around inside the dialog instead of
 * leaving for the browser's toolbar, Escape closes it, the title labels it, and when it goes away
 * focus returns to the control that opened it (or to `returnFocusFallback` when that control is
 * gone, e.g. a Connect button replaced by the signed-in account).
 *
 * The parent decides whether the dialog exists: render it to open, stop rendering to close.
 */
import { type KeyboardEvent, type ReactNode, type SyntheticEvent, useEffect, useId, useRef } from 'react'

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',')

function focusableIn(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (element) => element.getClientRects().length > 0,
  )
}

/** What the dialog focuses when it opens or its content changes: a marked element, else the first control of the body. */
function focusInitial(root: HTMLElement): void {
  const marked = root.querySelector<HTMLElement>('[data-autofocus]')
  if (marked) {
    marked.focus()
    return
  }
  const body = root.querySelector<HTMLElement>('.modal-body')
  const first = body ? focusableIn(body)[0] : undefined
  ;(first ?? root).focus()
}

interface ModalProps {
  title: string
  onClose(): void
  children: ReactNode
  /** Where focus goes on close if the opener has left the page. */
  returnFocusFallback?: () => HTMLElement | null
  /** Wider dialogs for content such as a list of words. */
  className?: string
}

export function Modal({ title, onClose, children, returnFocusFallback, className }: ModalProps) {
  const dialogRef = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const fallbackRef = useRef(returnFocusFallback)
  fallbackRef.current = returnFocusFallback

  useEffect(() => {
    const dialog = dialogRef.current
    if (!dialog) return
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    if (!dialog.open) dialog.showModal()
    focusInitial(dialog)
    return () => {
      if (dialog.open) dialog.close()
      // After React has finished the update that closed the dialog, so the fallback exists. A
      // dialog open again by then was only remounted (StrictMode) and keeps its focus.
      setTimeout(() => {
        if (dialog.isConnected && dialog.open) return
        const target = opener?.isConnected ? opener : fallbackRef.current?.()
        target?.focus()
      }, 0)
    }
  }, [])

  // Escape fires "cancel"; the parent closes by unrendering, which keeps React the one source of truth.
  const onCancel = (event: SyntheticEvent<HTMLDialogElement>) => {
    event.preventDefault()
    onClose()
  }

  const onKeyDown = (event: KeyboardEvent<HTMLDialogElement>) => {
    if (event.key !== 'Tab' || !dialogRef.current) return
    const focusable = focusableIn(dialogRef.current)
    const first = focusable[0]
    const last = focusable[focusable.length - 1]
    if (!first || !last) return
    const active = document.activeElement
    if (event.shiftKey && (active === first || active === dialogRef.current)) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && active === last) {
      event.preventDefault()
      first.focus()
    }
  }

  return (
    <dialog
      ref={dialogRef}
      className={className ? `modal ${className}` : 'modal'}
      aria-labelledby={titleId}
      tabIndex={-1}
      onCancel={onCancel}
      onKeyDown={onKeyDown}
    >
      <div className="modal-header">
        <h2 id={titleId} className="modal-title">
          {title}
        </h2>
        <button type="button" className="modal-close" onClick={onClose} aria-label="Close">
          <svg viewBox="0 0 20 20" aria-hidden="true" focusable="false">
            <path d="M5 5l10 10M15 5 5 15" />
          </svg>
        </button>
      </div>
      <div className="modal-body">{children}</div>
    </dialog>
  )
}
