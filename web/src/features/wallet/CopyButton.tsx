/**
 * A Copy button that says what happened where it was pressed: "Copied", or, without clipboard
 * access, the caller's sentence on how to copy by hand.
 */
import { useEffect, useState } from 'react'

/** Long enough to read, short enough that a second copy shows a fresh confirmation. */
const COPIED_SHOWN_MS = 3_000

type CopyOutcome = 'idle' | 'copied' | 'unavailable'

async function copyText(text: string): Promise<boolean> {
  if (!navigator.clipboard?.writeText) return false
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}

interface CopyButtonProps {
  text: string
  /** The button's words, e.g. "Copy address". */
  label: string
  /** Shown when the clipboard cannot be used: how to get the text some other way. */
  unavailableMessage: string
}

export function CopyButton({ text, label, unavailableMessage }: CopyButtonProps) {
  const [outcome, setOutcome] = useState<CopyOutcome>('idle')
  useEffect(() => {
    if (outcome !== 'copied') return
    const timer = setTimeout(() => setOutcome('idle'), COPIED_SHOWN_MS)
    return () => clearTimeout(timer)
  }, [outcome])
  const onCopyClicked = async () => setOutcome((await copyText(text)) ? 'copied' : 'unavailable')
  const messages: Record<CopyOutcome, string> = {
    idle: '',
    copied: 'Copied',
    unavailable: unavailableMessage,
  }
  return (
    <div className="wallet-copy">
      <button type="button" className="button button-secondary" onClick={onCopyClicked}>
        {label}
      </button>
      <output className="wallet-copy-status" data-outcome={outcome} aria-live="polite">
        {messages[outcome]}
      </output>
    </div>
  )
}
