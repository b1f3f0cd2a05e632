/**
 * `npm run dev`: the server restarting on every change (tsx watch) and Vite's dev server with hot
 * reload, side by side. Vite forwards /api, /health, /ready, /metrics and /ws to the server on
 * port 3000 (web/vite.config.ts). When either process ends, the other is stopped too, so no
 * orphan keeps a port busy; the first exit code is this script's.
 */
import path from 'node:path'
import { binScript, exited, forwardSignals, repoRoot, startNode } from './lib/processes.mjs'

// Detached: see startNode. tsx watch force-kills the server on a second signal, so each child
// must get exactly one, from here.
const children = [
  startNode([binScript('tsx'), 'watch', path.join(repoRoot, 'src', 'main.ts')], 'server', { detached: true }),
  startNode([binScript('vite'), '--config', path.join(repoRoot, 'web', 'vite.config.ts')], 'vite', {
    detached: true,
  }),
]
let signalled = false
forwardSignals(children, () => {
  signalled = true
})

const exits = children.map((child) => exited(child))
const firstCode = await Promise.race(exits)
// One ended on its own (a crash, or vite's "q"): stop the other. After a signal, both are already stopping.
if (!signalled) {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  }
}
await Promise.all(exits)
process.exit(firstCode)
