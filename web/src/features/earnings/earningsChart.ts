/**
 * The earnings chart's data: one bar per UTC day from the first day with earnings to the last,
 * days without earnings drawn as gaps (the server sends only days with earnings), each bar a
 * stack of creator share, owner share and round rewards.
 */
import type { EarningsDay, EarningsResponse } from '../../../../contracts/rounds.ts'

const MS_PER_DAY = 86_400_000

export interface EarningsBar extends EarningsDay {
  totalSats: number
}

function dayMs(day: string): number {
  return Date.parse(`${day}T00:00:00Z`)
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** The chart spans at least this many days, so a first day of earnings is a bar, not a wall. */
export const MIN_CHART_DAYS = 14

/**
 * Every day from the first to the last given, in order, with zeros for days not given; the span
 * reaches back to cover at least MIN_CHART_DAYS.
 */
export function earningsBars(days: readonly EarningsDay[]): EarningsBar[] {
  const byDay = new Map(days.filter((day) => !Number.isNaN(dayMs(day.day))).map((day) => [day.day, day]))
  const sorted = [...byDay.keys()].sort()
  const first = sorted[0]
  const last = sorted.at(-1)
  if (first === undefined || last === undefined) return []
  const lastMs = dayMs(last)
  const firstMs = Math.min(dayMs(first), lastMs - (MIN_CHART_DAYS - 1) * MS_PER_DAY)
  const bars: EarningsBar[] = []
  for (let ms = firstMs; ms <= lastMs; ms += MS_PER_DAY) {
    const day = dayOf(ms)
    const given = byDay.get(day) ?? { day, creatorSats: 0, ownerSats: 0, rewardSats: 0 }
    bars.push({ ...given, totalSats: given.creatorSats + given.ownerSats + given.rewardSats })
  }
  return bars
}

/** Everything earned: view shares, top rewards and fast-viewer rewards. */
export function totalEarned(totals: EarningsResponse['totals']): number {
  return totals.creatorSats + totals.ownerSats + totals.rewardSats + totals.fastViewerSats
}

/** "2025-01-31" → "31 Jan", read as the UTC day it is. */
export function formatDay(day: string): string {
  const ms = dayMs(day)
  if (Number.isNaN(ms)) return day
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(ms)
}
