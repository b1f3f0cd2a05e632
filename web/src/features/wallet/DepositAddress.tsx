/**
 * The user's own deposit address, in full and in monospace, with a Copy button. Copying says so
 * where the button is; without clipboard access it asks the user to select the address instead.
 */
import { useEffect, useState } from 'react'
import { formatInteger } from '../../components/format.ts'

/** Long enough to read, short enough that a second copy shows a fresh confirmation. */
const COPIED_SHOWN_MS = 3_000

type CopyOutcome = 'idle' | 'copied' | 'unavailable'

const COPY_MESSAGES: Record<Exclude<CopyOutcome, 'idle'>, string> = {
  copied: 'Copied',
  unavailable: 'Copying is not available here. Select the address and copy it yourself.',
}

async function copyText(text: string): Promise<boolean> {
  if (!navigator.clipboard?.writeText) return false
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    return false
  }
}

function CopyButton({ text }: { text: string }) {
  const [outcome, setOutcome] = useState<CopyOutcome>('idle')
  useEffect(() => {
    if (outcome !== 'copied') return
    const timer = setTimeout(() => setOutcome('idle'), COPIED_SHOWN_MS)
    return () => clearTimeout(timer)
  }, [outcome])
  const onCopyClicked = async () => setOutcome((await copyText(text)) ? 'copied' : 'unavailable')
  return (
    <div className="wallet-copy">
      <button type="button" className="button button-secondary" onClick={onCopyClicked}>
        Copy address
      </button>
      <output className="wallet-copy-status" data-outcome={outcome} aria-live="polite">
        {outcome === 'idle' ? '' : COPY_MESSAGES[outcome]}
      </output>
    </div>
  )
}

interface DepositAddressProps {
  address: string
  requiredConfirmations: number
}

export function DepositAddress({ address, requiredConfirmations }: DepositAddressProps) {
  const unit = requiredConfirmations === 1 ? 'confirmation' : 'confirmations'
  return (
    <div className="wallet-address">
      <h3 className="wallet-subheading">Your deposit address</h3>
      <p className="wallet-address-value mono break-anywhere" id="deposit-address">
        {address}
      </p>
      <CopyButton text={address} />
      <p className="wallet-address-note">
        Send BSV to this address from any wallet. A deposit is credited to your balance after{' '}
        <strong>
          {formatInteger(requiredConfirmations)} {unit}
        </strong>
        .
      </p>
    </div>
  )
}
