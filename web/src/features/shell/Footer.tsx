import { ServerStatus } from '../system/ServerStatus.tsx'

export function Footer() {
  return (
    <footer className="site-footer">
      <div className="site-footer-inner">
        <p className="footer-tagline">Pay-per-second memes, one round per BSV block.</p>
        <ServerStatus />
      </div>
    </footer>
  )
}
