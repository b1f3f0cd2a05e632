/**
 * Deleting the built-in wallet from this browser. Memepool holds no copy of the words, so the
 * warning says plainly what is lost and asks for an explicit confirmation.
 */
import { type FormEvent, useState } from 'react'
import { CheckboxField } from '../../../components/Field.tsx'
import { DialogStep, StepActions } from '../DialogStep.tsx'

interface ForgetWalletProps {
  address: string | null
  onForget(): void
  onKeep(): void
}

export function ForgetWallet({ address, onForget, onKeep }: ForgetWalletProps) {
  const [understood, setUnderstood] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!understood) {
      setError('Tick the box to confirm.')
      return
    }
    onForget()
  }

  return (
    <DialogStep title="Forget this wallet?">
      <div className="warning-box">
        <p>
          <strong>
            Without its recovery words, this wallet and the Memepool account it signs in to, balance included,
            are lost for good.
          </strong>{' '}
          Forgetting deletes the encrypted words from this browser. Memepool has no copy and cannot restore
          them.
        </p>
      </div>
      {address && (
        <p>
          Wallet <span className="mono break-anywhere">{address}</span>
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <CheckboxField
          label="I have the recovery words written down, or I accept losing this wallet"
          checked={understood}
          onChange={(event) => {
            setUnderstood(event.target.checked)
            setError(null)
          }}
          error={error}
        />
        <StepActions>
          <button type="button" className="button button-secondary" onClick={onKeep}>
            Keep the wallet
          </button>
          <button type="submit" className="button button-danger">
            Forget the wallet
          </button>
        </StepActions>
      </form>
    </DialogStep>
  )
}
