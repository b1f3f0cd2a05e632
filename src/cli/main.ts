/**
 * The memepool command line (`npm run cli -- <command>`). Reads the same configuration as the
 * server, so `migrate` acts on exactly the database the server would open.
 */
import { migrateToLatest } from '../adapters/db/database.ts'
import { describeDatabase, loadConfigOrExit, openConfiguredDatabase } from '../bootstrap.ts'

/** Exit status for a command line that could not be understood, as usage errors in shells. */
const EXIT_USAGE = 2

const USAGE = `Usage: npm run cli -- <command>

Commands:
  migrate   Apply pending database migrations to the configured database
            (PGlite in DATA_DIR/db, or DATABASE_URL) and list the ones applied.
  help      Show this text.
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

async function run(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args
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
