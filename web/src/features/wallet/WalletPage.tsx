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
import { useWallet } from './walletApi.ts'
import './wallet.css'

function BalanceAndDeposits() {
  const { data: session, isLoading } = useMeQuery()
  const dispatch = useAppDispatch()
  if (isLoading) return <p className="status-muted">Checking who is signed in…</p>
  if (!session) {
    return (
      <>
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
      </>
    )
  }
  return <SignedInWallet signedInAs={identityOf(session.user)} />
}

function SignedInWallet({ signedInAs }: { signedInAs: string }) {
  const { data: wallet, error, isLoading } = useWallet()
  const { data: info } = useGetInfoQuery()
  if (isLoading) return <p className="status-muted">Loading your wallet…</p>
  if (!wallet) return <QueryError what="your wallet" error={error} />
  return (
    <>
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
          <FaucetForm address={wallet.depositAddress} requiredConfirmations={wallet.requiredConfirmations} />
        </section>
      )}
      <section className="wallet-block" aria-labelledby="deposits-heading">
        <h3 className="wallet-subheading" id="deposits-heading">
          Deposits
        </h3>
        <DepositList deposits={wallet.deposits} requiredConfirmations={wallet.requiredConfirmations} />
      </section>
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

function WithdrawalRule() {
  const { data: info } = useGetInfoQuery()
  if (!info) return null
  return (
    <p>
      Withdrawals go to any BSV address, from{' '}
      <span className="figure">{formatSats(info.money.withdrawMinSats)}</span>; the network fee is shown
      before you confirm.
    </p>
  )
}

export function WalletPage() {
  return (
    <Page
      title="Wallet"
      purpose="Connect a wallet, deposit BSV, follow your balance and history, and withdraw."
    >
      <Section title="Balance and deposits">
        <BalanceAndDeposits />
      </Section>
      <Section title="History">
        <EmptyState title="No payments or rewards yet">
          the views you pay for, your rewards, trades and withdrawals will be listed here, newest first.
          Deposits are listed under Balance and deposits.
        </EmptyState>
      </Section>
      <Section title="Withdraw">
        <EmptyState title="Withdrawals are not open yet">
          sending your balance to a BSV address, with the network fee shown before you confirm and each
          withdrawal followed until it is confirmed, is the next part of the wallet being built.
        </EmptyState>
        <WithdrawalRule />
      </Section>
    </Page>
  )
}
