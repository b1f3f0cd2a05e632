/**
 * The site header: a status strip with the chain's newest block and the user's corner (balance,
 * notifications bell, account), then the logo and the main navigation. The strip comes first in
 * reading order as on screen, and at 320 px its two halves wrap onto their own lines instead of
 * squeezing.
 */
import { AccountStatus } from '../auth/AccountStatus.tsx'
import { useMeQuery } from '../auth/authApi.ts'
import { ChainTip } from '../chain/ChainTip.tsx'
import { NotificationsBell } from '../notifications/NotificationsBell.tsx'
import { HeaderBalance } from '../wallet/HeaderBalance.tsx'
import { Logo } from './Logo.tsx'
import { MainNav } from './MainNav.tsx'

function UserCorner() {
  const { data: session } = useMeQuery()
  return (
    <div className="header-user">
      {session && (
        <>
          <HeaderBalance />
          <NotificationsBell />
        </>
      )}
      <AccountStatus />
    </div>
  )
}

export function Header() {
  return (
    <header className="site-header">
      <div className="status-strip">
        <div className="status-strip-inner">
          <ChainTip />
          <UserCorner />
        </div>
      </div>
      <div className="site-header-inner">
        <Logo />
        <MainNav />
      </div>
    </header>
  )
}
