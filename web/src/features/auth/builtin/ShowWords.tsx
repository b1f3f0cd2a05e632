/**
 * The new wallet's recovery words, shown in this one step of creating it and never again: the
 * app keeps no readable copy once the wallet is saved.
 */
import { type FormEvent, useState } from 'react'
import { CheckboxField } from '../../../components/Field.tsx'
import { DialogStep, StepActions } from '../DialogStep.tsx'

interface ShowWordsProps {
  mnemonic: string
  onContinue(): void
  onCancel(): void
}

export function ShowWords({ mnemonic, onContinue, onCancel }: ShowWordsProps) {
  const words = mnemonic.split(' ')
  const [written, setWritten] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const submit = (event: FormEvent) => {
    event.preventDefault()
    if (!written) {
      setError('Tick the box once the words are written down.')
      return
    }
    onContinue()
  }

  return (
    <DialogStep title="Write down your recovery words">
      <p>
        These {words.length} words are the only way to restore this wallet. Write them on paper, in order, and
        keep them somewhere safe and offline. Memepool never sees them and cannot recover them, and they are
        not shown again after this.
      </p>
      <ol className="mnemonic-words" aria-label="Recovery words">
        {words.map((word, index) => (
          // Words can repeat in a phrase, so the position is part of the key.
          // biome-ignore lint/suspicious/noArrayIndexKey: the list never reorders.
          <li key={`${index}-${word}`}>
            <span className="mnemonic-index" aria-hidden="true">
              {index + 1}
            </span>
            <span className="mnemonic-word">{word}</span>
          </li>
        ))}
      </ol>
      <form onSubmit={submit} noValidate>
        <CheckboxField
          label={`I have written down all ${words.length} words in order`}
          checked={written}
          onChange={(event) => {
            setWritten(event.target.checked)
            setError(null)
          }}
          error={error}
        />
        <StepActions>
          <button type="button" className="button button-secondary" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="button button-primary">
            Continue
          </button>
        </StepActions>
      </form>
    </DialogStep>
  )
}
