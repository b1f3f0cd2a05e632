/**
 * Whether the viewer can see the animation: the page is visible (not a background tab, not a
 * minimised window) and the player is at least half inside the viewport. Only then does the
 * watch page confirm seconds (SPEC 6: unconfirmed time is not charged).
 */
import { type RefObject, useEffect, useState, useSyncExternalStore } from 'react'

/** At least this share of the player must be on screen to count as watched. */
export const IN_VIEW_THRESHOLD = 0.5

function subscribeVisibility(onChange: () => void): () => void {
  document.addEventListener('visibilitychange', onChange)
  return () => document.removeEventListener('visibilitychange', onChange)
}

export function usePageVisible(): boolean {
  return useSyncExternalStore(subscribeVisibility, () => document.visibilityState === 'visible')
}

/** Whether `ref`'s element is at least IN_VIEW_THRESHOLD inside the viewport; true where the browser cannot tell. */
export function useInViewport(ref: RefObject<Element | null>): boolean {
  const [inView, setInView] = useState(true)
  useEffect(() => {
    const element = ref.current
    if (!element || typeof IntersectionObserver === 'undefined') return
    const observer = new IntersectionObserver(
      (entries) => {
        const entry = entries.at(-1)
        if (entry) setInView(entry.isIntersecting && entry.intersectionRatio >= IN_VIEW_THRESHOLD)
      },
      { threshold: [0, IN_VIEW_THRESHOLD, 1] },
    )
    observer.observe(element)
    return () => observer.disconnect()
  }, [ref])
  return inView
}
