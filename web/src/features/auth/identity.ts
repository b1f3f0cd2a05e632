/** How the app shows a user's wallet identity: an address or a public key, shortened in the middle. */

/** Characters kept at each end; enough to tell two identities apart at a glance. */
const KEEP_START = 6
const KEEP_END = 4

export function shortenIdentity(value: string): string {
  if (value.length <= KEEP_START + KEEP_END + 1) return value
  return `${value.slice(0, KEEP_START)}…${value.slice(-KEEP_END)}`
}

/** The address when the user has one (BSM wallets), else the identity key (BRC-100 wallets). */
export function identityOf(user: { address: string | null; identityKey: string | null; id: string }): string {
  return user.address ?? user.identityKey ?? user.id
}
