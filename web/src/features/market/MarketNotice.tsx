/**
 * The outcome of the last action on a market page ("You bought …", "Listing cancelled"), said
 * once as a status message. It takes focus when it appears: the control that started the action
 * is often gone by then (a sold listing's Buy button, a cancelled listing's Cancel button), and
 * focus should land on what happened rather than fall back to the top of the page. Its timer
 * runs after the one a closing dialog sets to return focus to its opener (unmount effects run
 * before mount effects), so the notice wins.
 */
import { useEffect, useRef } from 'react'
import { Link } from 'react-router'

export interface Notice {
  text: string
  /** A link to the meme the action was about, where it helps to go next. */
  link?: { to: string; label: string } | undefined
}

export function MarketNotice({ notice }: { notice: Notice | null }) {
  const ref = useRef<HTMLParagraphElement>(null)
  useEffect(() => {
    if (!notice) return
    const timer = setTimeout(() => ref.current?.focus(), 0)
    return () => clearTimeout(timer)
  }, [notice])
  if (!notice) return null
  return (
    <p ref={ref} className="market-notice" role="status" tabIndex={-1} data-testid="market-notice">
      {notice.text}
      {notice.link && (
        <>
          {' '}
          <Link to={notice.link.to}>{notice.link.label}</Link>
        </>
      )}
    </p>
  )
}
