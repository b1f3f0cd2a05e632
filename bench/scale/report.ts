/**
 * The shape every scale benchmark hands back to bench/scale.ts: rows of the one table (a figure
 * of ours beside the same figure of its baseline, measured in the same run) and the details
 * that go into bench/results/scale.json as they are.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { ratio } from './common.ts'

export interface Row {
  benchmark: 'ledger' | 'ws' | 'api' | 'fanout'
  /** What is measured, with its unit, e.g. "p99 round trip ms @ 2000 clients". */
  measure: string
  subject: string
  value: number | undefined
  baseline: string
  baselineValue: number | undefined
  /** value / baselineValue. */
  ratio: number | undefined
  /** Other people's CPU on the machine during ours / during the baseline's, % of one core. */
  othersPct: string
}

export interface BenchResult {
  benchmark: Row['benchmark']
  rows: Row[]
  details: unknown
}

/** Where a benchmark child writes its result: `--out FILE`, given by bench/scale.ts. */
export function writeResult(out: string | undefined, result: BenchResult): void {
  if (out === undefined) return
  mkdirSync(path.dirname(out), { recursive: true })
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
}

export function othersPair(ours: number, baseline: number): string {
  return `${ours} / ${baseline}`
}

/**
 * A maker of one benchmark's rows: everything but the measure and the two values is the same
 * for each, and `label` turns a measure into its table text (e.g. adds "@ 10000 clients").
 */
export function rowMaker(
  fixed: Omit<Row, 'measure' | 'value' | 'baselineValue' | 'ratio'> & {
    label: (measure: string) => string
  },
): (measure: string, value: number | undefined, baselineValue: number | undefined) => Row {
  const { label, ...shared } = fixed
  return (measure, value, baselineValue) => ({
    ...shared,
    measure: label(measure),
    value,
    baselineValue,
    ratio: ratio(value, baselineValue),
  })
}
