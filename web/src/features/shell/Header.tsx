/**
 * The site header: a status strip with the chain's newest block and the user's account, then
 * the logo and the main navigation. The strip comes first in reading order as on screen, and at
 * 320 px its two halves wrap onto their own lines instead of squeezing.
 */
import { AccountStatus } from '../auth/AccountStatus.tsx'
import { ChainTip } from '../chain/ChainTip.tsx'
import { Logo } from './Logo.tsx'
import { MainNav } from './MainNav.tsx'

export function Header() {
  return (
    <header className="site-header">
      <div className="status-strip">
        <div className="status-strip-inner">
          <ChainTip />
          <AccountStatus />
        </div>
      </div>
      <div className="site-header-inner">
        <Logo />
        <MainNav />
      </div>
    </header>
  )
}
