/** Opening the built-in wallet saved in this browser with its password, then signing in with it. */
import { type FormEvent, useState } from 'react'
import { TextField } from '../../../components/Field.tsx'
import { DialogStep, StepActions } from '../DialogStep.tsx'

interface UnlockWalletProps {
  address: string
  busy: boolean
  /** Resolves to an error message for the password field, or null when the wallet opened. */
  onUnlock(password: string): Promise<string | null>
  onBack(): void
}

export function UnlockWallet({ address, busy, onUnlock, onBack }: UnlockWalletProps) {
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (password === '') {
      setError('Enter the password of this wallet.')
      return
    }
    setError(await onUnlock(password))
  }

  return (
    <DialogStep title="Unlock your wallet">
      <p>
        The wallet <span className="mono break-anywhere">{address}</span> is saved in this browser.
      </p>
      <form onSubmit={submit} noValidate>
        <fieldset className="plain-fieldset" disabled={busy}>
          <TextField
            label="Password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(event) => {
              setPassword(event.target.value)
              setError(null)
            }}
            error={error}
            data-autofocus
          />
          <StepActions>
            <button type="button" className="button button-secondary" onClick={onBack}>
              Back
            </button>
            <button type="submit" className="button button-primary">
              {busy ? 'Unlocking…' : 'Unlock and sign in'}
            </button>
          </StepActions>
        </fieldset>
      </form>
    </DialogStep>
  )
}
