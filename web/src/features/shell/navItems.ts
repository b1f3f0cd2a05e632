/** The pages reachable from the main navigation, in the order they appear. */
export interface NavItem {
  to: string
  label: string
  /** Only an exact match marks the link current (the live round at "/" would match everything). */
  end?: boolean
}

export const NAV_ITEMS: readonly NavItem[] = [
  { to: '/', label: 'Live round', end: true },
  { to: '/rounds', label: 'Rounds' },
  { to: '/market', label: 'Market' },
  { to: '/wallet', label: 'Wallet' },
  { to: '/earnings', label: 'Earnings' },
  { to: '/admin', label: 'Admin' },
]
