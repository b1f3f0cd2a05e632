/**
 * Watching a meme (SPEC 6): the animation, a live meter of seconds watched and sats spent, and
 * Stop. Seconds are confirmed to the server only while the tab is visible, the player is on
 * screen, the animation has loaded and the viewer has not paused it; the status line says which
 * of these holds it back. A session that ended only because the page was away is replaced by a
 * new one when the viewer returns; one ended by an empty balance points to the wallet.
 *
 * Test hooks: data-testid watch-seconds and watch-sats (digits only), watch-charged, watch-stop,
 * and watch-state (the status line, with data-state and data-reason).
 */
import { useEffect, useRef, useState } from 'react'
import { Link, useParams } from 'react-router'
import type { WatchStartReply } from '../../../../contracts/watch.ts'
import { useGetInfoQuery } from '../../app/api.ts'
import { useAppDispatch } from '../../app/hooks.ts'
import { EmptyState } from '../../components/EmptyState.tsx'
import { toDisplayError } from '../../components/errorMessages.ts'
import { formatDuration, formatSats } from '../../components/format.ts'
import { Page } from '../../components/Page.tsx'
import { ActionError } from '../../components/QueryError.tsx'
import { Section } from '../../components/Section.tsx'
import { useMeQuery } from '../auth/authApi.ts'
import { connectDialogOpened } from '../auth/authSlice.ts'
import { preloadConnectWalletDialog } from '../auth/ConnectWalletDialogHost.tsx'
import { roundsApi } from '../rounds/roundsApi.ts'
import { useWatchSession } from './useWatchSession.ts'
import { useInViewport, usePageVisible } from './visibility.ts'
import {
  currentSession,
  endReasonOf,
  mediaSourceOf,
  shouldStartSession,
  WATCH_LOW_BALANCE_SECONDS,
  WATCH_MAX_SESSIONS_PER_USER,
  type WatchState,
  watchFigures,
} from './watchSession.ts'
import { holdOf, watchStatus } from './watchWording.ts'
import './watch.css'

/** What watching will cost, from the server's configuration. */
function PriceNote() {
  const { data: info } = useGetInfoQuery()
  if (!info) return null
  const { viewRateSatsPerSecond, minBillableSeconds, maxSessionSeconds } = info.money
  return (
    <p className="watch-price">
      Watching costs <span className="figure">{formatSats(viewRateSatsPerSecond)}</span> per second while the
      animation is on screen and playing. A view is charged once it reaches{' '}
      <span className="figure">{formatDuration(minBillableSeconds)}</span>; stop before that and it is free. A
      session lasts at most <span className="figure">{formatDuration(maxSessionSeconds)}</span>.
    </p>
  )
}

/** The meme's title and poster from the live round, if it is there, before the session answers. */
function useKnownMeme(memeId: string) {
  const { data } = roundsApi.endpoints.getCurrentRound.useQueryState()
  return data?.round?.memes.find((meme) => meme.memeId === memeId)
}

interface PlayerMediaProps {
  start: WatchStartReply | null
  fallbackPoster: string | undefined
  /** Show the still poster instead of the animation (paused, or the session is over). */
  still: boolean
  /** The source now loaded and showing, or null when it stalls or fails. */
  onShown(src: string | null): void
}

/**
 * The animation: an MP4 when the server offers one, else the animated WebP. A still poster
 * stands in while paused or after the session, since an animated image cannot be paused.
 */
function PlayerMedia({ start, fallbackPoster, still, onShown }: PlayerMediaProps) {
  const poster = start?.media.posterUrl ?? fallbackPoster
  if (start === null || still) {
    return poster ? (
      <img className="watch-media" src={poster} alt="" />
    ) : (
      <div className="watch-media-blank" />
    )
  }
  const label = `${start.title}, animated`
  const src = mediaSourceOf(start)
  if (start.media.mp4Url) {
    return (
      <video
        key={src}
        className="watch-media"
        src={src}
        poster={start.media.posterUrl}
        aria-label={label}
        autoPlay
        muted
        loop
        playsInline
        onPlaying={() => onShown(src)}
        onWaiting={() => onShown(null)}
        onPause={() => onShown(null)}
        onError={() => onShown(null)}
      />
    )
  }
  return (
    <img
      key={src}
      className="watch-media"
      src={src}
      alt={label}
      onLoad={() => onShown(src)}
      onError={() => onShown(null)}
    />
  )
}

function Meter({ state }: { state: WatchState }) {
  const figures = watchFigures(state)
  const rate = state.start?.session.rateSats
  return (
    <dl className="facts watch-meter" aria-label="Watch meter">
      <div>
        <dt>Seconds watched</dt>
        <dd className="figure">
          <span data-testid="watch-seconds">{figures.seconds}</span> s
        </dd>
      </div>
      <div>
        <dt>Sats spent</dt>
        <dd className="figure">
          <span data-testid="watch-sats">{figures.spentSats}</span> {figures.spentSats === 1 ? 'sat' : 'sats'}
        </dd>
      </div>
      <div>
        <dt>Charged so far</dt>
        <dd className="figure">
          <span data-testid="watch-charged">{figures.chargedSats}</span>{' '}
          {figures.chargedSats === 1 ? 'sat' : 'sats'}
        </dd>
      </div>
      <div>
        <dt>Rate</dt>
        <dd className="figure">{rate === undefined ? '…' : `${formatSats(rate)}/s`}</dd>
      </div>
    </dl>
  )
}

function WalletLink({ children }: { children: string }) {
  return <Link to="/wallet">{children}</Link>
}

/** Warnings and explanations under the player: low balance, why it ended, why it failed. */
function Notices({ state, onStartAgain }: { state: WatchState; onStartAgain(): void }) {
  const session = currentSession(state)
  if (state.phase === 'failed' && state.error) {
    const shown = toDisplayError(state.error)
    return (
      <div className="watch-notices">
        <ActionError error={shown} />
        {shown.code === 'INSUFFICIENT_FUNDS' && (
          <p>
            <WalletLink>Deposit BSV in your wallet</WalletLink> to watch.
          </p>
        )}
        {shown.code === 'WATCH_TOO_MANY_SESSIONS' && (
          <p className="status-muted">You can watch in up to {WATCH_MAX_SESSIONS_PER_USER} tabs at once.</p>
        )}
        <p>
          <button type="button" className="button button-secondary" onClick={onStartAgain}>
            Try again
          </button>
        </p>
      </div>
    )
  }
  if (state.phase === 'ended') {
    // Ended only because the page was away: a new session starts by itself on return.
    if (shouldStartSession(state)) return null
    const reason = endReasonOf(state)
    if (reason === 'balance_empty') {
      return (
        <div className="watch-notices">
          <p className="watch-empty" role="alert">
            <strong>Your balance is empty.</strong> Watching stopped so that you are never charged more than
            you have. <WalletLink>Add funds in your wallet</WalletLink>, then come back to keep watching.
          </p>
        </div>
      )
    }
    return (
      <div className="watch-notices">
        <p>
          <button type="button" className="button button-primary" onClick={onStartAgain}>
            Watch again
          </button>
        </p>
      </div>
    )
  }
  if (state.phase === 'watching' && session?.lowBalance) {
    return (
      <div className="watch-notices">
        <p className="warning-box" role="status">
          <strong>Low balance:</strong> {formatSats(session.availableSats)} left, less than{' '}
          {WATCH_LOW_BALANCE_SECONDS} seconds of watching. <WalletLink>Top up your wallet</WalletLink> to keep
          going.
        </p>
      </div>
    )
  }
  return null
}

function Player({ memeId, userId }: { memeId: string; userId: string }) {
  const known = useKnownMeme(memeId)
  const frameRef = useRef<HTMLDivElement>(null)
  const visible = usePageVisible()
  const inView = useInViewport(frameRef)
  const [paused, setPaused] = useState(false)
  // The source the media element has loaded and is showing; null while loading or still.
  const [shownSrc, setShownSrc] = useState<string | null>(null)
  const watchable = visible && inView && !paused
  const { state, connected, mediaReady, stop, startAgain } = useWatchSession(
    memeId,
    userId,
    watchable,
    shownSrc,
  )
  const running = state.phase === 'watching' || state.phase === 'starting' || state.phase === 'idle'
  const still = paused || !running
  useEffect(() => {
    if (still) setShownSrc(null)
  }, [still])

  const status = watchStatus(state, { connected, visible, inView, paused, mediaReady })
  const title = state.start?.title ?? known?.title
  const hold = holdOf({ connected, visible, inView, paused, mediaReady })

  return (
    <Page
      title={title ? `Watch: ${title}` : 'Watch'}
      purpose="Pay by the second while the animation plays; stop whenever you like."
    >
      <Section title="Player" className="watch-section">
        <p
          className="watch-state"
          role="status"
          data-testid="watch-state"
          data-state={status.key}
          data-reason={
            state.phase === 'ended'
              ? (endReasonOf(state) ?? 'unknown')
              : (state.error?.code ?? hold ?? undefined)
          }
        >
          {status.text}
        </p>
        <Meter state={state} />
        <div ref={frameRef} className="watch-frame" data-still={still}>
          <PlayerMedia
            start={state.start}
            fallbackPoster={known?.posterUrl}
            still={still}
            onShown={setShownSrc}
          />
        </div>
        <div className="watch-controls">
          <button
            type="button"
            className="button button-secondary"
            onClick={() => setPaused((was) => !was)}
            disabled={state.phase === 'failed' || (state.phase === 'ended' && !paused)}
          >
            {paused ? 'Play' : 'Pause'}
          </button>
          <button
            type="button"
            className="button button-danger"
            data-testid="watch-stop"
            onClick={stop}
            disabled={state.phase !== 'watching'}
          >
            {state.phase === 'stopping' ? 'Stopping…' : 'Stop'}
          </button>
          <Link to="/" className="watch-back">
            Back to the live round
          </Link>
        </div>
        <Notices state={state} onStartAgain={startAgain} />
        <PriceNote />
      </Section>
    </Page>
  )
}

function SignedOut() {
  const dispatch = useAppDispatch()
  return (
    <Page title="Watch" purpose="Pay by the second while the animation plays; stop whenever you like.">
      <Section title="Player">
        <EmptyState title="Sign in to watch">
          watching is paid by the second from your Memepool balance, so the player needs to know who you are.
          Connect a wallet to sign in; if your balance is empty, deposit a little BSV in your wallet first.
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
        <PriceNote />
        <p>
          <Link to="/">Back to the live round</Link>
        </p>
      </Section>
    </Page>
  )
}

export function WatchPage() {
  const { memeId = '' } = useParams()
  const { data: session, isLoading } = useMeQuery()
  if (isLoading) {
    return (
      <Page title="Watch" purpose="Pay by the second while the animation plays; stop whenever you like.">
        <p className="status-muted">Checking who is signed in…</p>
      </Page>
    )
  }
  if (!session) return <SignedOut />
  // A new meme or a new user is a new player: the old one's session stops as it unmounts.
  return <Player key={`${memeId}:${session.user.id}`} memeId={memeId} userId={session.user.id} />
}
