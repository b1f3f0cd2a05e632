/**
 * The password that encrypts the recovery words in this browser (vault.ts). It never leaves the
 * page and cannot be reset; the words can always restore the wallet.
 */
import { type FormEvent, useState } from 'react'
import { TextField } from '../../../components/Field.tsx'
import { DialogStep, StepActions } from '../DialogStep.tsx'
import { MIN_PASSWORD_LENGTH } from '../vault.ts'

interface ChoosePasswordProps {
  submitLabel: string
  busy: boolean
  onChosen(password: string): void
  onBack(): void
}

interface Errors {
  password?: string
  repeat?: string
}

export function ChoosePassword({ submitLabel, busy, onChosen, onBack }: ChoosePasswordProps) {
  const [password, setPassword] = useState('')
  const [repeat, setRepeat] = useState('')
  const [errors, setErrors] = useState<Errors>({})

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const found: Errors = {}
    if (password.length < MIN_PASSWORD_LENGTH) {
      found.password = `Use at least ${MIN_PASSWORD_LENGTH} characters.`
    } else if (repeat !== password) {
      found.repeat = 'The two passwords are not the same.'
    }
    setErrors(found)
    if (!found.password && !found.repeat) onChosen(password)
  }

  return (
    <DialogStep title="Choose a password">
      <p>
        The password locks your recovery words in this browser; you enter it to sign in here. It cannot be
        reset, but your words can always restore the wallet.
      </p>
      <form onSubmit={submit} noValidate>
        <fieldset className="plain-fieldset" disabled={busy}>
          <TextField
            label="Password"
            type="password"
            hint={`At least ${MIN_PASSWORD_LENGTH} characters.`}
            autoComplete="new-password"
            value={password}
            onChange={(event) => {
              setPassword(event.target.value)
              setErrors({})
            }}
            error={errors.password}
            data-autofocus
          />
          <TextField
            label="Repeat the password"
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={(event) => {
              setRepeat(event.target.value)
              setErrors({ ...errors, repeat: undefined })
            }}
            error={errors.repeat}
          />
          <StepActions>
            <button type="button" className="button button-secondary" onClick={onBack}>
              Back
            </button>
            <button type="submit" className="button button-primary">
              {busy ? 'Saving…' : submitLabel}
            </button>
          </StepActions>
        </fieldset>
      </form>
    </DialogStep>
  )
}
