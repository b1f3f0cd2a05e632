/**
 * The user's own deposit address, in full and in monospace, as a QR code for a phone wallet to
 * scan, and with a Copy button. The QR code holds the plain address, which every wallet reads.
 */
import { useMemo } from 'react'
import { renderSVG } from 'uqr'
import { formatInteger } from '../../components/format.ts'
import { CopyButton } from './CopyButton.tsx'

/** Modules of white around the code: scanners need a quiet zone to find it. */
const QR_BORDER_MODULES = 2

function qrCodeDataUrl(text: string): string {
  return `data:image/svg+xml,${encodeURIComponent(renderSVG(text, { border: QR_BORDER_MODULES }))}`
}

interface DepositAddressProps {
  address: string
  requiredConfirmations: number
}

export function DepositAddress({ address, requiredConfirmations }: DepositAddressProps) {
  const unit = requiredConfirmations === 1 ? 'confirmation' : 'confirmations'
  const qrCode = useMemo(() => qrCodeDataUrl(address), [address])
  return (
    <div className="wallet-address">
      <h3 className="wallet-subheading">Your deposit address</h3>
      <div className="wallet-address-layout">
        <img className="wallet-qr" src={qrCode} alt="QR code of your deposit address" />
        <div className="wallet-address-text">
          <p className="wallet-address-value mono break-anywhere" id="deposit-address">
            {address}
          </p>
          <CopyButton
            text={address}
            label="Copy address"
            unavailableMessage="Copying is not available here. Select the address and copy it yourself."
          />
          <p className="wallet-address-note">
            Send BSV to this address from any wallet, or scan the code with one. A deposit is credited to your
            balance after{' '}
            <strong>
              {formatInteger(requiredConfirmations)} {unit}
            </strong>
            .
          </p>
        </div>
      </div>
    </div>
  )
}
