/**
 * The mark: a mempool.space-style block cube beside the wordmark, with "meme" and "pool" set apart
 * so the pun on the mempool reads at a glance.
 */
import { Link } from 'react-router'

export function Logo() {
  return (
    <Link to="/" className="logo" aria-label="Memepool, live round">
      <svg className="logo-cube" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
        <defs>
          <linearGradient id="logo-left" x1="0" y1="0" x2="0" y2="1">
            <stop offset="0" stopColor="#7b4dff" />
            <stop offset="1" stopColor="#4a22a8" />
          </linearGradient>
          <linearGradient id="logo-right" x1="0" y1="0" x2="0" y2="1">
            <stop offset="0" stopColor="#3d6ee0" />
            <stop offset="1" stopColor="#243f99" />
          </linearGradient>
        </defs>
        <path d="M16 2 29 9 16 16 3 9Z" fill="#b39dff" />
        <path d="M3 9 16 16v14L3 23Z" fill="url(#logo-left)" />
        <path d="M29 9 16 16v14l13-7Z" fill="url(#logo-right)" />
      </svg>
      <span className="logo-word" aria-hidden="true">
        <span className="logo-meme">meme</span>
        <span className="logo-pool">pool</span>
      </span>
    </Link>
  )
}
