/** The pages reachable from the main navigation, in the order they appear. */
export interface NavItem {
  to: string
  label: string
  /** Only an exact match marks the link current (the live round at "/" would match everything). */
  end?: boolean
  /** Path prefixes beyond `to` that belong to the same section (a meme's page is the market's). */
  also?: readonly string[]
}

export const NAV_ITEMS: readonly NavItem[] = [
  { to: '/', label: 'Live round', end: true },
  { to: '/rounds', label: 'Rounds' },
  { to: '/market', label: 'Market', also: ['/memes/'] },
  { to: '/wallet', label: 'Wallet' },
  { to: '/earnings', label: 'Earnings' },
  { to: '/admin', label: 'Admin' },
]

/** Whether `pathname` lies in one of the item's other places, which NavLink does not match itself. */
export function inOtherPlace(item: NavItem, pathname: string): boolean {
  return item.also?.some((prefix) => pathname.startsWith(prefix)) ?? false
}
