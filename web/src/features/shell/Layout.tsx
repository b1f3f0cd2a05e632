/**
 * The app shell around every page: skip link, header with navigation, the page, a footer with
 * live server status, the Connect wallet dialog when it is open, and the user's live feed
 * (balance, notifications as toasts). After each navigation it
 * closes the menu and moves focus to the new page's heading, which is what a full page load would
 * do for keyboard and screen-reader users.
 */
import { useEffect, useRef } from 'react'
import { Outlet, useLocation } from 'react-router'
import { useAppDispatch } from '../../app/hooks.ts'
import { useWsIdentity } from '../../app/useChannel.ts'
import { ConnectWalletDialogHost } from '../auth/ConnectWalletDialogHost.tsx'
import { useWalletSearch } from '../auth/walletDetection.ts'
import { LiveUserFeed } from '../notifications/LiveUserFeed.tsx'
import { Footer } from './Footer.tsx'
import { Header } from './Header.tsx'
import { MAIN_ID, SkipLink } from './SkipLink.tsx'
import { pageChanged } from './shellSlice.ts'

function useFocusOnPageChange() {
  const { pathname } = useLocation()
  const dispatch = useAppDispatch()
  // Compared rather than counting renders: StrictMode runs effects twice on mount, and the first
  // load must not move focus (the browser has already put the user at the top).
  const shownPathname = useRef(pathname)

  useEffect(() => {
    if (shownPathname.current === pathname) return
    shownPathname.current = pathname
    dispatch(pageChanged())
    document.getElementById('page-title')?.focus({ preventScroll: true })
    window.scrollTo(0, 0)
  }, [pathname, dispatch])
}

export function Layout() {
  useFocusOnPageChange()
  // Wallet extensions inject themselves after the page starts; look for them from the first load.
  useWalletSearch()
  // The shared WebSocket follows who is signed in; the user's own channel is heard on every page.
  useWsIdentity()
  return (
    <div className="app">
      <SkipLink />
      <Header />
      <main id={MAIN_ID} className="site-main" tabIndex={-1}>
        <Outlet />
      </main>
      <Footer />
      <ConnectWalletDialogHost />
      <LiveUserFeed />
    </div>
  )
}
