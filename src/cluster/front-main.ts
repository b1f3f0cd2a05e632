/**
 * The front (src/cluster/front.ts) as a process of its own, started by `npm run cluster`
 * (scripts/cluster.mjs), which passes it every backend:
 *
 *   node --import tsx src/cluster/front-main.ts --port 8080 [--host 127.0.0.1]
 *     --backend api-1=http://127.0.0.1:8081 --backend api-2=http://127.0.0.1:8082
 *     [--devnet chain=http://127.0.0.1:8083]
 *
 * `--devnet` names the process that owns the devnet: /devnet/ and /api/v1/devnet/ go there.
 * It logs each backend going up or down; SIGINT/SIGTERM close it.
 */
import { parseArgs } from 'node:util'
import { createLogger } from '../logger.ts'
import { type Backend, createFront } from './front.ts'

/** Exit status for a command line that could not be understood, as usage errors in shells. */
const EXIT_USAGE = 2
const DEVNET_PREFIXES = ['/devnet/', '/api/v1/devnet/']

function parseBackend(text: string): Backend {
  const eq = text.indexOf('=')
  const name = text.slice(0, eq)
  const url = text.slice(eq + 1)
  if (eq < 1 || !URL.canParse(url) || new URL(url).protocol !== 'http:') {
    throw new Error(`a backend is name=http://host:port, got "${text}"`)
  }
  return { name, url: new URL(url).origin }
}

function parseCommandLine() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      backend: { type: 'string', multiple: true, default: [] },
      devnet: { type: 'string' },
    },
  })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error('--port must be 1 to 65535')
  if (values.backend.length === 0) throw new Error('at least one --backend is needed')
  return {
    port,
    host: values.host,
    backends: values.backend.map(parseBackend),
    devnet: values.devnet === undefined ? undefined : parseBackend(values.devnet),
  }
}

let options: ReturnType<typeof parseCommandLine>
try {
  options = parseCommandLine()
} catch (error) {
  process.stderr.write(`front: ${(error as Error).message}\n`)
  process.exit(EXIT_USAGE)
}

const logger = createLogger('info').child({ component: 'front' })
const front = createFront({
  backends: options.backends,
  pinned: options.devnet ? [{ prefixes: DEVNET_PREFIXES, backends: [options.devnet] }] : [],
  onHealthChange: (backend, healthy) =>
    healthy
      ? logger.info({ backend: backend.name, url: backend.url }, 'backend up')
      : logger.warn(
          { backend: backend.name, url: backend.url },
          'backend down: skipped until its probe passes',
        ),
})
const port = await front.listen(options.port, options.host)
logger.info({ health: front.health() }, `front listening on http://${options.host}:${port}`)

let stopping = false
const stop = async (signal: NodeJS.Signals) => {
  if (stopping) return
  stopping = true
  logger.info({ signal }, 'front stopping')
  await front.close()
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
