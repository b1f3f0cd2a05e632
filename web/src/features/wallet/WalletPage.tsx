import { useGetInfoQuery } from '../../app/api.ts'
import { useAppDispatch } from '../../app/hooks.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { Section } from '../../components/Section.tsx'
import { useMeQuery } from '../auth/authApi.ts'
import { connectDialogOpened } from '../auth/authSlice.ts'
import { preloadConnectWalletDialog } from '../auth/ConnectWalletDialogHost.tsx'
import { identityOf } from '../auth/identity.ts'

function BalanceAndDeposits() {
  const { data: session, isLoading } = useMeQuery()
  const dispatch = useAppDispatch()
  if (isLoading) return <p className="status-muted">Checking who is signed in…</p>
  if (!session) {
    return (
      <>
        <EmptyState title="No wallet connected">
          connect a wallet to sign in. Your balance and your own deposit address, with its QR code, then
          appear here.
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
  return (
    <>
      <p>
        Signed in as <span className="mono break-anywhere">{identityOf(session.user)}</span>.
      </p>
      <EmptyState title="No balance yet">
        your balance and your own deposit address, with its QR code, appear here. Deposits are credited after
        their confirmations.
      </EmptyState>
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
        <EmptyState title="No transactions yet">
          your deposits, views paid, rewards, trades and withdrawals will be listed here, newest first.
        </EmptyState>
      </Section>
      <Section title="Withdraw">
        <EmptyState title="Nothing to withdraw">
          once you are signed in with a balance, you can send it to a BSV address here and follow each
          withdrawal until it is confirmed.
        </EmptyState>
        <WithdrawalRule />
      </Section>
    </Page>
  )
}
