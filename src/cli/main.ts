/**
 * The memepool command line (`npm run cli -- <command>`). Reads the same configuration as the
 * server, so `migrate` acts on exactly the database the server would open.
 */
import { migrateToLatest } from '../adapters/db/database.ts'
import { describeDatabase, loadConfigOrExit, openConfiguredDatabase } from '../bootstrap.ts'
import { openChain } from '../chain.ts'
import { createLogger } from '../logger.ts'
import { AnchorsRepository } from '../services/anchoring/anchors.repository.ts'
import { AUDIT_USAGE, type CommandOutput, parseAuditArgs, runAudit, runExport } from './audit.ts'

/** Exit status for a command line that could not be understood, as usage errors in shells. */
const EXIT_USAGE = 2

const USAGE = `Usage: npm run cli -- <command>

Commands:
  migrate   Apply pending database migrations to the configured database
            (PGlite in DATA_DIR/db, or DATABASE_URL) and list the ones applied.
${AUDIT_USAGE}  help      Show this text.
`

async function migrate(): Promise<number> {
  const config = loadConfigOrExit()
  const db = await openConfiguredDatabase(config)
  try {
    const applied = await migrateToLatest(db)
    process.stdout.write(`Database: ${describeDatabase(config)}\n`)
    if (applied.length === 0) process.stdout.write('Already up to date; no migrations applied.\n')
    for (const name of applied) process.stdout.write(`applied ${name}\n`)
    return 0
  } finally {
    await db.close()
  }
}

/** Runs audit or export against the configured database and chain source (read only). */
async function anchorCommand(command: 'audit' | 'export', args: readonly string[]): Promise<number> {
  const parsed = parseAuditArgs(args, command === 'audit' ? '--records' : '--out')
  if (typeof parsed === 'string') {
    process.stderr.write(`${command}: ${parsed}\n\n${USAGE}`)
    return EXIT_USAGE
  }
  const config = loadConfigOrExit()
  const db = await openConfiguredDatabase(config)
  // Logs go to stderr so that `export` without --out writes only the JSON to stdout.
  const chain = await openChain(config, createLogger('warn', process.stderr))
  try {
    const deps = { anchors: new AnchorsRepository(db.kysely), chain: chain.source }
    const output: CommandOutput =
      command === 'audit' ? await runAudit(deps, parsed) : await runExport(deps, parsed)
    process.stdout.write(output.stdout)
    process.stderr.write(output.stderr)
    return output.exitCode
  } finally {
    await chain.close()
    await db.close()
  }
}

async function run(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args
  if (command === 'audit' || command === 'export') return anchorCommand(command, rest)
  if (rest.length > 0) {
    process.stderr.write(`Unexpected arguments after "${command}": ${rest.join(' ')}\n\n${USAGE}`)
    return EXIT_USAGE
  }
  switch (command) {
    case 'migrate':
      return migrate()
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE)
      return 0
    default:
      process.stderr.write(
        `${command === undefined ? 'No command given.' : `Unknown command "${command}".`}\n\n${USAGE}`,
      )
      return EXIT_USAGE
  }
}

try {
  process.exitCode = await run(process.argv.slice(2))
} catch (error) {
  process.stderr.write(`memepool: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
}
