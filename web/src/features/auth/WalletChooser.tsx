/**
 * The first step of the Connect wallet dialog: the three ways to sign in, each saying whether it
 * is ready in this browser and, when it is not, how to get it.
 */
import { type ReactNode, useEffect, useRef } from 'react'
import { useAppSelector } from '../../app/hooks.ts'
import { type DetectedWallets, selectDetectedWallets, selectSearchingForWallets } from './authSlice.ts'
import type { VaultState } from './builtin/useStoredVault.ts'
import { shortenIdentity } from './identity.ts'

const YOURS_STORE_URL =
  'https://chromewebstore.google.com/detail/yours-wallet/mlbnicldlpdimbjdcncnklfempedeipj'

export interface ChooserActions {
  onCreate(): void
  onImport(): void
  onUnlock(): void
  onForget(): void
  onYours(): void
  onBrc100(): void
}

interface WalletChooserProps extends ChooserActions {
  vault: VaultState
  busy: boolean
}

type BadgeState = 'ready' | 'searching' | 'missing'

function Badge({ state, children }: { state: BadgeState; children: ReactNode }) {
  return (
    <span className="wallet-badge" data-state={state}>
      {children}
    </span>
  )
}

function WalletOption({ title, badge, children }: { title: string; badge: ReactNode; children: ReactNode }) {
  return (
    <li className="wallet-option">
      <div className="wallet-option-head">
        <h3>{title}</h3>
        {badge}
      </div>
      {children}
    </li>
  )
}

function ExternalLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
      <span className="visually-hidden"> (opens in a new tab)</span>
    </a>
  )
}

function BuiltinOption({ vault, busy, onCreate, onImport, onUnlock, onForget }: WalletChooserProps) {
  if (vault.status === 'saved') {
    return (
      <WalletOption title="Built-in wallet" badge={<Badge state="ready">Saved in this browser</Badge>}>
        <p>
          Wallet <span className="mono">{shortenIdentity(vault.vault.address)}</span>, locked with your
          password. To use other words here, forget this wallet first.
        </p>
        <div className="wallet-option-actions">
          <button type="button" className="button button-primary" onClick={onUnlock} disabled={busy}>
            Unlock
          </button>
          <button type="button" className="button button-secondary" onClick={onForget} disabled={busy}>
            Forget this wallet
          </button>
        </div>
      </WalletOption>
    )
  }
  if (vault.status === 'unreadable') {
    return (
      <WalletOption title="Built-in wallet" badge={<Badge state="missing">Unreadable</Badge>}>
        <p>{vault.reason} Forget it, then import your recovery words again.</p>
        <div className="wallet-option-actions">
          <button type="button" className="button button-secondary" onClick={onForget} disabled={busy}>
            Forget this wallet
          </button>
        </div>
      </WalletOption>
    )
  }
  return (
    <WalletOption title="Built-in wallet" badge={<Badge state="ready">Available</Badge>}>
      <p>
        A key made and kept in this browser, locked with a password. Its recovery words never leave this
        device.
      </p>
      <div className="wallet-option-actions">
        <button type="button" className="button button-primary" onClick={onCreate} disabled={busy}>
          Create a new wallet
        </button>
        <button type="button" className="button button-secondary" onClick={onImport} disabled={busy}>
          Import recovery words
        </button>
      </div>
    </WalletOption>
  )
}

function detectionBadge(found: boolean, searching: boolean, foundText: string, missingText: string) {
  if (found) return <Badge state="ready">{foundText}</Badge>
  if (searching) return <Badge state="searching">Looking…</Badge>
  return <Badge state="missing">{missingText}</Badge>
}

function YoursOption({ busy, onYours }: WalletChooserProps) {
  const { yours } = useAppSelector(selectDetectedWallets)
  const searching = useAppSelector(selectSearchingForWallets)
  return (
    <WalletOption title="Yours Wallet" badge={detectionBadge(yours, searching, 'Found', 'Not found')}>
      {yours ? (
        <>
          <p>The Yours Wallet extension is in this browser. It asks you to approve the sign-in.</p>
          <div className="wallet-option-actions">
            <button type="button" className="button button-primary" onClick={onYours} disabled={busy}>
              Connect Yours Wallet
            </button>
          </div>
        </>
      ) : (
        <p>
          {searching ? 'Looking for the Yours Wallet extension. ' : 'The extension is not in this browser. '}
          <ExternalLink href={YOURS_STORE_URL}>Get Yours Wallet</ExternalLink> for Chrome, set it up, then
          reload this page. Version 5 connects as a BRC-100 wallet.
        </p>
      )}
    </WalletOption>
  )
}

function Brc100Option({ busy, onBrc100 }: WalletChooserProps) {
  const { cwi } = useAppSelector(selectDetectedWallets)
  const searching = useAppSelector(selectSearchingForWallets)
  return (
    <WalletOption
      title="BRC-100 wallet"
      badge={detectionBadge(cwi, searching, 'Found in this browser', 'Desktop wallet')}
    >
      <p>
        Yours Wallet 5, Metanet Desktop and other BRC-100 wallets.{' '}
        {cwi
          ? 'A wallet extension in this browser answers for it.'
          : 'No extension answers in this browser, so Memepool looks for a desktop wallet running on this computer.'}
      </p>
      <div className="wallet-option-actions">
        <button type="button" className="button button-primary" onClick={onBrc100} disabled={busy}>
          Connect BRC-100 wallet
        </button>
      </div>
    </WalletOption>
  )
}

/** Read out once the search settles, so a screen-reader user hears what was found without hunting for badges. */
function DetectionSummary({ detected, searching }: { detected: DetectedWallets; searching: boolean }) {
  const found = [detected.yours ? 'Yours Wallet' : null, detected.cwi ? 'a BRC-100 wallet' : null].filter(
    (name) => name !== null,
  )
  let text = 'Looking for wallet extensions in this browser.'
  if (found.length > 0) text = `Found ${found.join(' and ')} in this browser.`
  else if (!searching) text = 'No wallet extension found in this browser.'
  return (
    <p className="visually-hidden" role="status">
      {text}
    </p>
  )
}

/**
 * Coming back here from a step, focus lands on the first wallet action, as it does when the
 * dialog opens; with every action disabled mid sign-in, on the dialog itself.
 */
function useFocusOnReturn() {
  const listRef = useRef<HTMLUListElement>(null)
  useEffect(() => {
    const list = listRef.current
    if (!list) return
    const target = list.querySelector<HTMLElement>('button:not([disabled])') ?? list.closest('dialog')
    target?.focus()
  }, [])
  return listRef
}

export function WalletChooser(props: WalletChooserProps) {
  const detected = useAppSelector(selectDetectedWallets)
  const searching = useAppSelector(selectSearchingForWallets)
  const listRef = useFocusOnReturn()
  return (
    <>
      <p className="dialog-lead">
        You sign in by approving a one-time message in a wallet. Memepool checks the signature and never sees
        your keys.
      </p>
      <DetectionSummary detected={detected} searching={searching} />
      <ul ref={listRef} className="wallet-options">
        <BuiltinOption {...props} />
        <YoursOption {...props} />
        <Brc100Option {...props} />
      </ul>
    </>
  )
}
