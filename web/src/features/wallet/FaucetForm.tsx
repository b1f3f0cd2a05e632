/**
 * Devnet only: pays test coins to the user's own deposit address. The amount is checked here
 * against the faucet's bounds before anything is sent; server errors are worded by their code.
 */
import { type FormEvent, useState } from 'react'
import { toDisplayError } from '../../components/errorMessages.ts'
import { TextField } from '../../components/Field.tsx'
import { formatInteger, formatSats } from '../../components/format.ts'
import { ActionError } from '../../components/QueryError.tsx'
import { DEFAULT_FAUCET_SATS, MAX_FAUCET_SATS, MIN_FAUCET_SATS, parseFaucetAmount } from './faucetAmount.ts'
import { useFaucetRequestedMutation } from './walletApi.ts'

interface FaucetFormProps {
  address: string
  requiredConfirmations: number
}

/** When a faucet payment reaches the balance, in the words of this server's confirmations. */
function creditedWhen(requiredConfirmations: number): string {
  if (requiredConfirmations === 1) return 'It is credited after the next block.'
  return `It is credited after ${formatInteger(requiredConfirmations)} confirmations, the first with the next block.`
}

export function FaucetForm({ address, requiredConfirmations }: FaucetFormProps) {
  const [amount, setAmount] = useState(String(DEFAULT_FAUCET_SATS))
  const [amountError, setAmountError] = useState<string | null>(null)
  const [requestFaucet, { data, error, isLoading, reset, originalArgs }] = useFaucetRequestedMutation()

  const onSubmitted = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const parsed = parseFaucetAmount(amount)
    if ('error' in parsed) {
      setAmountError(parsed.error)
      return
    }
    setAmountError(null)
    reset()
    void requestFaucet({ address, satoshis: parsed.satoshis })
  }

  return (
    <form className="wallet-faucet" onSubmit={onSubmitted} noValidate aria-label="Get test coins">
      <p className="wallet-faucet-intro">
        This server runs the local development chain. Its coins have no value: take some to try watching and
        paying.
      </p>
      <div className="wallet-faucet-row">
        <TextField
          label="Amount in sats"
          inputMode="numeric"
          autoComplete="off"
          value={amount}
          onChange={(event) => setAmount(event.target.value)}
          hint={`From ${formatInteger(MIN_FAUCET_SATS)} to ${formatInteger(MAX_FAUCET_SATS)} sats.`}
          error={amountError}
        />
        <button type="submit" className="button button-primary" disabled={isLoading}>
          {isLoading ? 'Sending…' : 'Get test coins'}
        </button>
      </div>
      {error && <ActionError error={toDisplayError(error)} />}
      {data && originalArgs && (
        <p className="wallet-faucet-sent" role="status">
          Sent {formatSats(originalArgs.satoshis)} in transaction{' '}
          <span className="mono break-anywhere">{data.txid}</span>. {creditedWhen(requiredConfirmations)}
        </p>
      )}
    </form>
  )
}
