/** "How long ago" for a block, short enough for a header at 320 px and exact to the second. */

const SECONDS_PER_MINUTE = 60
const SECONDS_PER_HOUR = 3_600
const SECONDS_PER_DAY = 86_400

function pad(value: number): string {
  return String(value).padStart(2, '0')
}

/**
 * 42 → "42 s", 185 → "3 min 05 s", 7_380 → "2 h 03 min", 200_000 → "2 days". Negative input
 * (a block stamped slightly ahead of this device's clock) reads as "0 s".
 */
export function formatElapsed(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds))
  if (s < SECONDS_PER_MINUTE) return `${s} s`
  if (s < SECONDS_PER_HOUR)
    return `${Math.floor(s / SECONDS_PER_MINUTE)} min ${pad(s % SECONDS_PER_MINUTE)} s`
  if (s < SECONDS_PER_DAY) {
    return `${Math.floor(s / SECONDS_PER_HOUR)} h ${pad(Math.floor((s % SECONDS_PER_HOUR) / SECONDS_PER_MINUTE))} min`
  }
  const days = Math.floor(s / SECONDS_PER_DAY)
  return `${days} ${days === 1 ? 'day' : 'days'}`
}
