import { useState } from 'react'
import type { WalletResponse } from '../../../../contracts/wallet.ts'
import type { WithdrawalView } from '../../../../contracts/withdrawals.ts'
import { useGetInfoQuery } from '../../app/api.ts'
import { useAppDispatch } from '../../app/hooks.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { QueryError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { useMeQuery } from '../auth/authApi.ts'
import { connectDialogOpened } from '../auth/authSlice.ts'
import { preloadConnectWalletDialog } from '../auth/ConnectWalletDialogHost.tsx'
import { identityOf } from '../auth/identity.ts'
import { BalanceCards } from './BalanceCards.tsx'
import { DepositAddress } from './DepositAddress.tsx'
import { DepositList } from './DepositList.tsx'
import { FaucetForm } from './FaucetForm.tsx'
import { HistoryPanel } from './HistoryPanel.tsx'
import { WithdrawalList } from './WithdrawalList.tsx'
import { WithdrawForm } from './WithdrawForm.tsx'
import { useWallet, useWithdrawals } from './walletApi.ts'
import './wallet.css'

const BALANCE_TITLE = 'Balance and deposits'

function WalletSections() {
  const { data: session, isLoading } = useMeQuery()
  if (isLoading) {
    return (
      <Section title={BALANCE_TITLE}>
        <p className="status-muted">Checking who is signed in…</p>
      </Section>
    )
  }
  if (!session) return <SignedOutWallet />
  return <SignedInWallet signedInAs={identityOf(session.user)} />
}

function SignedOutWallet() {
  const dispatch = useAppDispatch()
  return (
    <>
      <Section title={BALANCE_TITLE}>
        <EmptyState title="No wallet connected">
          connect a wallet to sign in. Your balance, your own deposit address and your deposits then appear
          here.
        </EmptyState>
        <p>
          <button
            type="button"
            className="button button-primary"
            onClick={() => dispatch(connectDialogOpened())}
            onPointerEnter={preloadConnectWalletDialog}
            onFocus={preloadConnectWalletDialog}
          >
            Connect a wallet
          </button>
        </p>
      </Section>
      <Section title="Withdraw">
        <WithdrawalRule />
      </Section>
      <Section title="History">
        <p>
          Once you are signed in, every movement of your balance is listed here, newest first, each with its
          proof on chain.
        </p>
      </Section>
    </>
  )
}

function SignedInWallet({ signedInAs }: { signedInAs: string }) {
  const { data: wallet, error, isLoading } = useWallet()
  const { data: info } = useGetInfoQuery()
  if (!wallet) {
    return (
      <Section title={BALANCE_TITLE}>
        {isLoading ? (
          <p className="status-muted">Loading your wallet…</p>
        ) : (
          <QueryError what="your wallet" error={error} />
        )}
      </Section>
    )
  }
  return (
    <>
      <Section title={BALANCE_TITLE}>
        <p>
          Signed in as <span className="mono break-anywhere">{signedInAs}</span>.
        </p>
        {wallet.frozen && <FrozenNotice />}
        <BalanceCards balance={wallet.balance} />
        <div className="wallet-deposit-panel">
          <DepositAddress
            address={wallet.depositAddress}
            requiredConfirmations={wallet.requiredConfirmations}
          />
        </div>
        {info?.chain === 'devnet' && (
          <section className="wallet-block" aria-labelledby="faucet-heading">
            <h3 className="wallet-subheading" id="faucet-heading">
              Get test coins
            </h3>
            <FaucetForm
              address={wallet.depositAddress}
              requiredConfirmations={wallet.requiredConfirmations}
            />
          </section>
        )}
        <section className="wallet-block" aria-labelledby="deposits-heading">
          <h3 className="wallet-subheading" id="deposits-heading">
            Deposits
          </h3>
          <DepositList deposits={wallet.deposits} requiredConfirmations={wallet.requiredConfirmations} />
        </section>
      </Section>
      <Section title="Withdraw">
        <Withdraw wallet={wallet} />
      </Section>
      <Section title="History">
        <HistoryPanel />
      </Section>
    </>
  )
}

function FrozenNotice() {
  return (
    <p className="wallet-frozen" role="alert">
      <strong>Your wallet is frozen.</strong> A deposit was reversed after it was credited and your balance
      did not cover it. An admin is reviewing it; until then you cannot spend or withdraw.
    </p>
  )
}

/** Why the form is not shown, when it would refuse every amount anyway; null when it can be used. */
function withdrawBlockedBy(wallet: WalletResponse, minimumSats: number): string | null {
  if (wallet.frozen) return 'Withdrawals are paused while your wallet is frozen.'
  if (wallet.balance.availableSats < minimumSats) {
    return `Your available balance of ${formatSats(wallet.balance.availableSats)} is below the smallest withdrawal, ${formatSats(minimumSats)}. Deposit some BSV first.`
  }
  return null
}

function RequestedNotice({ withdrawal }: { withdrawal: WithdrawalView }) {
  return (
    <p className="withdraw-requested" role="status">
      Withdrawal of {formatSats(withdrawal.amountSats)} requested: {formatSats(withdrawal.receiveSats)} go to{' '}
      <span className="mono break-anywhere">{withdrawal.address}</span> with the next payout batch.
    </p>
  )
}

function Withdraw({ wallet }: { wallet: WalletResponse }) {
  const { data, error, isLoading } = useWithdrawals()
  // Kept here, not in the form: a withdrawal can take the balance below the minimum, which
  // replaces the form, and the confirmation must stay.
  const [requested, setRequested] = useState<WithdrawalView | null>(null)
  if (isLoading) return <p className="status-muted">Loading your withdrawals…</p>
  if (!data) return <QueryError what="your withdrawals" error={error} />
  const blockedBy = withdrawBlockedBy(wallet, data.minimumSats)
  return (
    <>
      {blockedBy === null ? (
        <WithdrawForm
          limits={{ minimumSats: data.minimumSats, availableSats: wallet.balance.availableSats }}
          onRequested={setRequested}
        />
      ) : (
        <p className="wallet-withdraw-blocked">{blockedBy}</p>
      )}
      {requested && <RequestedNotice withdrawal={requested} />}
      <section className="wallet-block" aria-labelledby="withdrawals-heading">
        <h3 className="wallet-subheading" id="withdrawals-heading">
          Your withdrawals
        </h3>
        <WithdrawalList withdrawals={data.withdrawals} />
      </section>
    </>
  )
}

function WithdrawalRule() {
  const { data: info } = useGetInfoQuery()
  if (!info) return null
  return (
    <p>
      Withdrawals go to any BSV address, from{' '}
      <span className="figure">{formatSats(info.money.withdrawMinSats)}</span>; the network fee is shown
      before you confirm. Connect a wallet to withdraw.
    </p>
  )
}

export function WalletPage() {
  return (
    <Page
      title="Wallet"
      purpose="Connect a wallet, deposit BSV, follow your balance and history, and withdraw."
    >
      <WalletSections />
    </Page>
  )
}
