/**
 * A user's balance as their live channel shows it (contracts/rounds.ts UserEvent 'balance'),
 * read from the ledger and published on the bus, so that it reaches whichever node holds their
 * connection. Callers whose work moved a balance outside a watch session (rewards, deposits) use
 * it; the message is a notification, and a user who misses it sees the balance on the next read.
 */
import type { Bus } from '../adapters/bus/bus.ts'
import { userAccountId } from '../ledger/accounts.ts'
import type { Ledger } from '../ledger/ledger.ts'

export async function announceBalance(
  ledger: Pick<Ledger, 'getAccount'>,
  bus: Bus,
  userId: string,
): Promise<void> {
  const account = await ledger.getAccount(userAccountId(userId))
  if (!account) return
  const { balanceSats, availableSats } = account
  bus.publish('user.event', { userId, event: { kind: 'balance', balanceSats, availableSats } })
}
