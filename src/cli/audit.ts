/**
 * The `audit` and `export` commands (SPEC 3): argument parsing, the records file and the printed
 * verdict. The checks themselves are in services/anchoring/audit.ts; this file only reads what
 * the operator asked for and says what came out, so it is tested through `runAudit`/`runExport`.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { Value } from '@sinclair/typebox/value'
import { RecordsExport } from '../../contracts/proofs.ts'
import {
  type AuditDeps,
  type AuditResult,
  type AuditTarget,
  auditAnchor,
  exportRecords,
} from '../services/anchoring/audit.ts'

/** Exit statuses: the audit passed, found a mismatch (or nothing to check), or was asked wrongly. */
export const EXIT_MATCH = 0
export const EXIT_MISMATCH = 1
export const EXIT_USAGE = 2

export const AUDIT_USAGE = `  audit     --period <height> | --anchor <id> [--records <file.json>]
            Recompute the anchored root of a period from its records (the database's, or
            an exported file's) and check it against the anchor transaction on chain.
            Exits 0 when everything matches, 1 otherwise.
  export    --period <height> | --anchor <id> [--out <file.json>]
            Write a period's records as the audit reads them (stdout without --out).
`

export interface AuditArgs {
  target: AuditTarget
  /** --records for audit, --out for export. */
  file: string | undefined
}

/** Parses `--period N | --anchor N` plus one optional file flag; a string is the usage problem. */
export function parseAuditArgs(args: readonly string[], fileFlag: '--records' | '--out'): AuditArgs | string {
  const flags = new Map<string, string>()
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i]!
    const value = args[i + 1]
    if (!['--period', '--anchor', fileFlag].includes(flag)) return `unknown option ${flag}`
    if (value === undefined) return `${flag} needs a value`
    flags.set(flag, value)
  }
  const period = flags.get('--period')
  const anchor = flags.get('--anchor')
  if ((period === undefined) === (anchor === undefined)) return 'give exactly one of --period and --anchor'
  const number = Number(period ?? anchor)
  if (!Number.isSafeInteger(number) || number < 0) return `${period ?? anchor} is not a whole number`
  return {
    target: period !== undefined ? { period: number } : { anchorId: number },
    file: flags.get(fileFlag),
  }
}

export async function readRecordsFile(file: string): Promise<RecordsExport | string> {
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    return `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`
  }
  if (!Value.Check(RecordsExport, parsed)) return `${file} is not a memepool records export`
  return parsed
}

export function describeAudit(result: AuditResult): string {
  if (result.status === 'no_anchor') {
    const what =
      'period' in result.target ? `period block:${result.target.period}` : `anchor ${result.target.anchorId}`
    return `FAIL: no anchor for ${what}\n`
  }
  const r = result.report
  const lines = [
    `anchor      ${r.anchorId} (${r.period})`,
    `records     ${r.recordCount}`,
    `computed    ${r.computedRoot ?? '-'}`,
    `recorded    ${r.recordedRoot}`,
    `on chain    ${r.onChainRoot ?? '-'}`,
    `transaction ${r.txid ?? '-'} ${r.confirmed ? `confirmed in block ${r.blockHeight}` : 'not confirmed'}`,
    ...r.problems.map((problem) => `problem     ${problem}`),
    result.ok ? 'PASS: the records match the anchor on chain' : 'FAIL: the records do not match the anchor',
  ]
  return `${lines.join('\n')}\n`
}

export interface CommandOutput {
  exitCode: number
  stdout: string
  stderr: string
}

export async function runAudit(deps: AuditDeps, args: AuditArgs): Promise<CommandOutput> {
  let records: RecordsExport['records'] | undefined
  if (args.file !== undefined) {
    const file = await readRecordsFile(args.file)
    if (typeof file === 'string') return { exitCode: EXIT_USAGE, stdout: '', stderr: `${file}\n` }
    records = file.records
  }
  const result = await auditAnchor(deps, args.target, records)
  const ok = result.status === 'checked' && result.ok
  return { exitCode: ok ? EXIT_MATCH : EXIT_MISMATCH, stdout: describeAudit(result), stderr: '' }
}

export async function runExport(deps: AuditDeps, args: AuditArgs): Promise<CommandOutput> {
  const exported = await exportRecords(deps, args.target)
  if (!exported) return { exitCode: EXIT_MISMATCH, stdout: '', stderr: 'no anchor for that period\n' }
  const text = `${JSON.stringify(exported, null, 2)}\n`
  if (args.file === undefined) return { exitCode: EXIT_MATCH, stdout: text, stderr: '' }
  await writeFile(args.file, text)
  return {
    exitCode: EXIT_MATCH,
    stdout: `wrote ${exported.records.length} records of ${exported.period} to ${args.file}\n`,
    stderr: '',
  }
}
