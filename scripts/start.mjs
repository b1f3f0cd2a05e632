/**
 * `npm start`: one command from a fresh clone to a running site. Builds the web app when its
 * build is missing or older than its sources, then runs the server (src/main.ts through tsx).
 * Signals are passed on to the server so it can shut down gracefully, and its exit code becomes
 * this script's.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { SERVER_NODE_FLAGS } from './lib/node-flags.mjs'
import { binScript, exited, forwardSignals, repoRoot, startNode } from './lib/processes.mjs'

const webIndexBuilt = path.join(repoRoot, 'web', 'dist', 'index.html')
const viteConfig = path.join(repoRoot, 'web', 'vite.config.ts')
/** Everything a web build is made from; a newer file here means the build is stale. */
const webSources = ['web/src', 'web/index.html', 'web/vite.config.ts', 'web/public', 'contracts'].map((p) =>
  path.join(repoRoot, p),
)

/** Newest modification time of a file or of any file below a folder; 0 when it is absent. */
function newestMtimeMs(target) {
  if (!existsSync(target)) return 0
  const stat = statSync(target)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = 0
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    newest = Math.max(newest, newestMtimeMs(path.join(target, entry.name)))
  }
  return newest
}

function webBuildIsStale() {
  if (!existsSync(webIndexBuilt)) return true
  const builtMs = statSync(webIndexBuilt).mtimeMs
  return webSources.some((source) => newestMtimeMs(source) > builtMs)
}

async function buildWebIfStale() {
  if (!existsSync(viteConfig)) {
    process.stderr.write('start: web/vite.config.ts is missing; serving the API without the web app\n')
    return 0
  }
  if (!webBuildIsStale()) return 0
  process.stderr.write('start: building the web app (web/dist is missing or older than its sources)\n')
  const build = startNode([binScript('vite'), 'build', '--config', viteConfig], 'vite build')
  const stopForwarding = forwardSignals([build])
  const code = await exited(build)
  stopForwarding()
  return code
}

const buildCode = await buildWebIfStale()
if (buildCode !== 0) {
  process.stderr.write(`start: the web build failed (exit ${buildCode}); not starting the server\n`)
  process.exit(buildCode)
}

const server = startNode(
  [...SERVER_NODE_FLAGS, '--import', 'tsx', path.join(repoRoot, 'src', 'main.ts')],
  'server',
)
forwardSignals([server])
process.exit(await exited(server))
