/** Restoring a built-in wallet from its recovery words, checked (word list and checksum) before anything is saved. */
import { type FormEvent, useState } from 'react'
import { TextAreaField } from '../../../components/Field.tsx'
import { isValidMnemonic, normalizeMnemonic } from '../builtinWallet.ts'
import { DialogStep, StepActions } from '../DialogStep.tsx'

interface ImportWordsProps {
  onImported(mnemonic: string): void
  onBack(): void
}

export function ImportWords({ onImported, onBack }: ImportWordsProps) {
  const [text, setText] = useState('')
  const [error, setError] = useState<string | null>(null)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const mnemonic = normalizeMnemonic(text)
    if (mnemonic === '') {
      setError('Enter your recovery words.')
      return
    }
    if (!isValidMnemonic(mnemonic)) {
      setError(
        'These words are not a valid recovery phrase. Check the spelling and the order, and that no word is missing.',
      )
      return
    }
    onImported(mnemonic)
  }

  return (
    <DialogStep title="Import recovery words">
      <p>Enter the 12 to 24 words of a wallet you made before. They stay in this browser.</p>
      <form onSubmit={submit} noValidate>
        <TextAreaField
          label="Recovery words"
          hint="Separated by spaces or new lines, in order."
          value={text}
          onChange={(event) => {
            setText(event.target.value)
            setError(null)
          }}
          error={error}
          rows={3}
          autoComplete="off"
          autoCapitalize="none"
          autoCorrect="off"
          spellCheck={false}
          data-autofocus
        />
        <StepActions>
          <button type="button" className="button button-secondary" onClick={onBack}>
            Back
          </button>
          <button type="submit" className="button button-primary">
            Continue
          </button>
        </StepActions>
      </form>
    </DialogStep>
  )
}
