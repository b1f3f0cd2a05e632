/**
 * First focusable element on every page. Focus is moved by hand rather than by following
 * "#main", because a hash change would go through the router and add a history entry.
 */
import type { MouseEvent } from 'react'

export const MAIN_ID = 'main'

function skipToMain(event: MouseEvent<HTMLAnchorElement>) {
  const main = document.getElementById(MAIN_ID)
  if (!main) return
  event.preventDefault()
  main.focus()
}

export function SkipLink() {
  return (
    <a className="skip-link" href={`#${MAIN_ID}`} onClick={skipToMain}>
      Skip to content
    </a>
  )
}
