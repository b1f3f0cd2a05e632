/**
 * Frame of every page: one h1, a one-line purpose, then the page's sections. The heading can take
 * focus so the shell can move keyboard and screen-reader users to it after each navigation.
 */
import { type ReactNode, useEffect } from 'react'

export const SITE_NAME = 'Memepool'

interface PageProps {
  title: string
  purpose: ReactNode
  children?: ReactNode
}

export function Page({ title, purpose, children }: PageProps) {
  useEffect(() => {
    document.title = `${title} · ${SITE_NAME}`
  }, [title])

  return (
    <article className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        <p className="page-purpose">{purpose}</p>
      </header>
      {children}
    </article>
  )
}
