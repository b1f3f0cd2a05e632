/** The two views of the market, the listings and the signed-in user's own memes, as tabs of links. */
import { NavLink } from 'react-router'

export function MarketNav() {
  return (
    <nav className="market-nav" aria-label="Market">
      <NavLink to="/market" end className="market-nav-link">
        Listings
      </NavLink>
      <NavLink to="/market/mine" className="market-nav-link">
        My memes
      </NavLink>
    </nav>
  )
}
