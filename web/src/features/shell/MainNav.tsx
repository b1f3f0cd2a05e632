/**
 * Main navigation. On wide screens the links sit in the header; on narrow ones they fold behind a
 * Menu button (aria-expanded tells screen readers the state). NavLink sets aria-current="page";
 * on a page of a section reached elsewhere (a meme's page, in the market) the link says it itself.
 */
import { useEffect, useRef } from 'react'
import { Link, NavLink, useLocation } from 'react-router'
import { useAppDispatch, useAppSelector } from '../../app/hooks.ts'
import { inOtherPlace, NAV_ITEMS } from './navItems.ts'
import { menuDismissed, menuToggled, selectMenuOpen } from './shellSlice.ts'

const LIST_ID = 'main-nav-links'

export function MainNav() {
  const menuOpen = useAppSelector(selectMenuOpen)
  const dispatch = useAppDispatch()
  const buttonRef = useRef<HTMLButtonElement>(null)
  const { pathname } = useLocation()

  // Escape closes an open menu and hands focus back to the button that opened it.
  useEffect(() => {
    if (!menuOpen) return
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return
      dispatch(menuDismissed())
      buttonRef.current?.focus()
    }
    document.addEventListener('keydown', onKeyDown)
    return () => document.removeEventListener('keydown', onKeyDown)
  }, [menuOpen, dispatch])

  return (
    <nav className="main-nav" aria-label="Main">
      <button
        ref={buttonRef}
        type="button"
        className="menu-button"
        aria-expanded={menuOpen}
        aria-controls={LIST_ID}
        onClick={() => dispatch(menuToggled())}
      >
        <svg viewBox="0 0 20 20" aria-hidden="true" focusable="false">
          {menuOpen ? <path d="M5 5l10 10M15 5 5 15" /> : <path d="M3 5.5h14M3 10h14M3 14.5h14" />}
        </svg>
        Menu
      </button>
      <ul id={LIST_ID} className="nav-links" data-open={menuOpen}>
        {NAV_ITEMS.map((item) => (
          <li key={item.to}>
            {inOtherPlace(item, pathname) ? (
              <Link to={item.to} className="nav-link" aria-current="page">
                {item.label}
              </Link>
            ) : (
              <NavLink to={item.to} end={item.end} className="nav-link">
                {item.label}
              </NavLink>
            )}
          </li>
        ))}
      </ul>
    </nav>
  )
}
