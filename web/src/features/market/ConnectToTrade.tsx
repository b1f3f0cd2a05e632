/** What a signed-out visitor sees where the trading controls would be: why, and the way to sign in. */
import { useAppDispatch } from '../../app/hooks.ts'
import { connectDialogOpened } from '../auth/authSlice.ts'
import { preloadConnectWalletDialog } from '../auth/ConnectWalletDialogHost.tsx'

export function ConnectToTrade({ children }: { children: string }) {
  const dispatch = useAppDispatch()
  return (
    <div className="market-connect" data-testid="market-connect">
      <p>{children}</p>
      <button
        type="button"
        className="button button-primary"
        onClick={() => dispatch(connectDialogOpened())}
        onPointerEnter={preloadConnectWalletDialog}
        onFocus={preloadConnectWalletDialog}
      >
        Connect a wallet
      </button>
    </div>
  )
}
