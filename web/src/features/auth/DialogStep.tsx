/**
 * One step of the Connect wallet dialog. When a step replaces another, focus moves into it (to
 * the control marked data-autofocus, else to the step's heading), so keyboard and screen-reader
 * users continue from the new content instead of from a button that no longer exists.
 */
import { type ReactNode, useEffect, useId, useRef } from 'react'

interface DialogStepProps {
  title: string
  children: ReactNode
}

export function DialogStep({ title, children }: DialogStepProps) {
  const headingId = useId()
  const sectionRef = useRef<HTMLElement>(null)
  const headingRef = useRef<HTMLHeadingElement>(null)

  useEffect(() => {
    const marked = sectionRef.current?.querySelector<HTMLElement>('[data-autofocus]')
    ;(marked ?? headingRef.current)?.focus()
  }, [])

  return (
    <section ref={sectionRef} className="dialog-step" aria-labelledby={headingId}>
      <h3 id={headingId} ref={headingRef} tabIndex={-1} className="dialog-step-title">
        {title}
      </h3>
      {children}
    </section>
  )
}

/** The row of buttons that ends a step: secondary actions first, the primary one last. */
export function StepActions({ children }: { children: ReactNode }) {
  return <div className="dialog-actions">{children}</div>
}
