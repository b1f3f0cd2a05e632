/** A titled part of a page; the heading names the region for assistive technology. */
import { type ReactNode, useId } from 'react'

interface SectionProps {
  title: string
  children: ReactNode
  className?: string
}

export function Section({ title, children, className }: SectionProps) {
  const headingId = useId()
  return (
    <section className={className ? `section ${className}` : 'section'} aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {children}
    </section>
  )
}
