/**
 * What a list or panel shows while it has nothing to show: a plain sentence saying what will
 * appear there and what makes it appear, so an empty page still explains the product.
 */
import type { ReactNode } from 'react'

interface EmptyStateProps {
  /** The short fact, e.g. "No rounds yet". */
  title: string
  /** What will appear here, and when. */
  children: ReactNode
}

export function EmptyState({ title, children }: EmptyStateProps) {
  return (
    <div className="empty-state">
      <svg className="empty-state-icon" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
        <path d="M16 3 28 9.5 16 16 4 9.5Z" />
        <path d="M4 9.5 16 16v13L4 22.5Z" />
        <path d="M28 9.5 16 16v13l12-6.5Z" />
      </svg>
      <p>
        <strong>{title}:</strong> {children}
      </p>
    </div>
  )
}
