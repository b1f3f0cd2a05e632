/**
 * Display formatting for figures the server sends. Money stays in integer satoshis all the way
 * to the screen; these functions only turn integers into words.
 */

const integerFormat = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 })

export function formatInteger(value: number): string {
  return integerFormat.format(value)
}

export function formatSats(sats: number): string {
  return `${formatInteger(sats)} ${sats === 1 ? 'sat' : 'sats'}`
}

/** 200 bps → "2%", 250 bps → "2.5%", 1 bps → "0.01%", using integer arithmetic only. */
export function formatBps(bps: number): string {
  const whole = Math.trunc(bps / 100)
  const hundredths = bps % 100
  if (hundredths === 0) return `${whole}%`
  const decimals = String(hundredths).padStart(2, '0').replace(/0+$/, '')
  return `${whole}.${decimals}%`
}

function plural(count: number, unit: string): string {
  return `${formatInteger(count)} ${unit}${count === 1 ? '' : 's'}`
}

/** 3 → "3 seconds", 600 → "10 minutes", 3600 → "1 hour": the largest unit that divides evenly. */
export function formatDuration(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return plural(seconds / 3600, 'hour')
  if (seconds > 0 && seconds % 60 === 0) return plural(seconds / 60, 'minute')
  return plural(seconds, 'second')
}

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })

export function formatDateTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dateTimeFormat.format(date)
}

const timeFormat = new Intl.DateTimeFormat('en-GB', { timeStyle: 'medium' })

/** The time of day only, for lists within one day (a round's flushes). */
export function formatTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date)
}
