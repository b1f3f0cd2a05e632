/**
 * How a notification reads (contracts/rounds.ts NotificationView). The data of each kind is
 * described in src/services/rounds/notifications.ts:
 *   reward_won          { height, memeId, title, amountSats, place, role }
 *   fast_viewer_reward  { height, amountSats, place }
 *   meme_earned         { height, memeId, title, amountSats }
 * Data is read defensively: a field missing or of another type leaves its words out rather
 * than printing "undefined".
 */
import type { NotificationView } from '../../../../contracts/rounds.ts'
import { formatInteger, formatSats } from '../../components/format.ts'

const PLACE_WORDS = ['first', 'second', 'third']

function numberField(data: Record<string, unknown>, key: string): number | null {
  const value = data[key]
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function stringField(data: Record<string, unknown>, key: string): string | null {
  const value = data[key]
  return typeof value === 'string' && value !== '' ? value : null
}

function inRound(height: number | null): string {
  return height === null ? '' : ` in round ${formatInteger(height)}`
}

/** One sentence, e.g. "You won 1,234 sats in round 812: Doge took first place (your owner share)." */
export function notificationText(notification: Pick<NotificationView, 'kind' | 'data'>): string {
  const { data } = notification
  const amount = numberField(data, 'amountSats')
  const height = numberField(data, 'height')
  const place = numberField(data, 'place')
  const title = stringField(data, 'title')
  const won = amount === null ? 'You won a reward' : `You won ${formatSats(amount)}`
  switch (notification.kind) {
    case 'reward_won': {
      const placeWord = place === null ? null : (PLACE_WORDS[place - 1] ?? `place ${formatInteger(place)}`)
      const role = stringField(data, 'role')
      const what =
        title && placeWord ? `: ${title} took ${placeWord} place` : title ? `: ${title} placed` : ''
      const share = role === 'creator' || role === 'owner' ? ` (your ${role} share)` : ''
      return `${won}${inRound(height)}${what}${share}.`
    }
    case 'fast_viewer_reward':
      return `${won}${inRound(height)} as one of its first viewers${place === null ? '' : ` (#${formatInteger(place)})`}.`
    case 'meme_earned': {
      const earned = amount === null ? 'earned you sats' : `earned you ${formatSats(amount)}`
      return `${title ?? 'Your meme'} ${earned}${inRound(height)}.`
    }
    default:
      return amount === null
        ? 'Something happened to your account.'
        : `${formatSats(amount)} arrived${inRound(height)}.`
  }
}

/** Where a notification leads: the round it is about, if any. */
export function notificationLink(notification: Pick<NotificationView, 'data'>): string | null {
  const height = numberField(notification.data, 'height')
  return height === null ? null : `/rounds/${height}`
}
