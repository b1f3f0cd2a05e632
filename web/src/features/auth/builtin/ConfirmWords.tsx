/**
 * Proof that the words were written down: the user re-enters a few of them, at positions picked
 * at random, before the wallet is saved. Guessing is useless and copying from the screen is not
 * possible, because the list is no longer shown.
 */
import { type FormEvent, useState } from 'react'
import { TextField } from '../../../components/Field.tsx'
import { pickConfirmPositions } from '../builtinWallet.ts'
import { DialogStep, StepActions } from '../DialogStep.tsx'

interface ConfirmWordsProps {
  mnemonic: string
  onConfirmed(): void
  onShowAgain(): void
}

function ordinalList(numbers: number[]): string {
  if (numbers.length <= 1) return numbers.join('')
  return `${numbers.slice(0, -1).join(', ')} and ${numbers[numbers.length - 1]}`
}

export function ConfirmWords({ mnemonic, onConfirmed, onShowAgain }: ConfirmWordsProps) {
  const words = mnemonic.split(' ')
  const [positions] = useState(() => pickConfirmPositions(words.length))
  const [answers, setAnswers] = useState<Record<number, string>>({})
  const [errors, setErrors] = useState<Record<number, string>>({})

  const submit = (event: FormEvent) => {
    event.preventDefault()
    const wrong: Record<number, string> = {}
    for (const position of positions) {
      const answer = (answers[position] ?? '').trim().toLowerCase()
      if (answer === '') wrong[position] = `Enter word ${position + 1}.`
      else if (answer !== words[position]) wrong[position] = `This is not word ${position + 1} of your list.`
    }
    setErrors(wrong)
    if (Object.keys(wrong).length === 0) onConfirmed()
  }

  return (
    <DialogStep title="Confirm your recovery words">
      <p>
        Enter words {ordinalList(positions.map((position) => position + 1))} from the list you wrote down.
      </p>
      <form onSubmit={submit} noValidate>
        <div className="confirm-words">
          {positions.map((position, index) => (
            <TextField
              key={position}
              label={`Word ${position + 1}`}
              value={answers[position] ?? ''}
              onChange={(event) => {
                setAnswers({ ...answers, [position]: event.target.value })
                // The error described the old value; leave it up while the user is correcting it and it misleads.
                const { [position]: _fixed, ...others } = errors
                setErrors(others)
              }}
              error={errors[position]}
              autoComplete="off"
              autoCapitalize="none"
              autoCorrect="off"
              spellCheck={false}
              {...(index === 0 ? { 'data-autofocus': true } : {})}
            />
          ))}
        </div>
        <StepActions>
          <button type="button" className="button button-secondary" onClick={onShowAgain}>
            Show the words again
          </button>
          <button type="submit" className="button button-primary">
            Continue
          </button>
        </StepActions>
      </form>
    </DialogStep>
  )
}
