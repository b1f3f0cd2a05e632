import { Logo } from './Logo.tsx'
import { MainNav } from './MainNav.tsx'

export function Header() {
  return (
    <header className="site-header">
      <div className="site-header-inner">
        <Logo />
        <MainNav />
      </div>
    </header>
  )
}
