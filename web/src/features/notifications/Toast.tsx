/**
 * A message that appears in the corner and goes away by itself, in a polite live region that is
 * always in the page (a region added together with its text is often not announced). It stays
 * while the pointer or focus is on it, and has a Close button; what it says is also on the
 * notifications page, so nothing is lost when it goes.
 */
import { type ReactNode, useEffect, useRef } from 'react'

/** Long enough to read a sentence twice. */
export const TOAST_VISIBLE_MS = 10_000

interface ToastProps {
  children: ReactNode
  /** Changes with each new message, which then gets its full time on screen. */
  messageKey: string | number | null
  onDismiss(): void
}

export function Toast({ children, messageKey, onDismiss }: ToastProps) {
  const toastRef = useRef<HTMLDivElement>(null)
  const onDismissRef = useRef(onDismiss)
  useEffect(() => {
    onDismissRef.current = onDismiss
  })
  useEffect(() => {
    if (messageKey === null) return
    let timer: ReturnType<typeof setTimeout>
    const expire = () => {
      const toast = toastRef.current
      // Someone is reading it or about to press its link: ask again later.
      if (toast && (toast.matches(':hover') || toast.contains(document.activeElement))) {
        timer = setTimeout(expire, TOAST_VISIBLE_MS / 2)
      } else {
        onDismissRef.current()
      }
    }
    timer = setTimeout(expire, TOAST_VISIBLE_MS)
    return () => clearTimeout(timer)
  }, [messageKey])
  return (
    <div className="toast-region" role="status" aria-live="polite">
      {messageKey !== null && (
        <div ref={toastRef} className="toast">
          <p className="toast-text">{children}</p>
          <button type="button" className="toast-close" onClick={onDismiss} aria-label="Close">
            <svg viewBox="0 0 20 20" aria-hidden="true" focusable="false">
              <path d="M5 5l10 10M15 5 5 15" />
            </svg>
          </button>
        </div>
      )}
    </div>
  )
}
