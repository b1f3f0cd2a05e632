/**
 * Helpers for the start and dev scripts: run the tools installed in node_modules with this same
 * Node binary (no shell, no npx lookup, the same on Windows), pass signals on, and report how a
 * child ended as an exit code.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url))

/** Shells report death by signal N as 128 + N; callers of these scripts expect the same. */
const SIGNAL_EXIT_BASE = 128
const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGKILL: 9, SIGHUP: 1 }

/** The JavaScript file behind a package's command, e.g. binScript('vite') → .../vite/bin/vite.js. */
export function binScript(packageName, binName = packageName) {
  const packageDir = path.join(repoRoot, 'node_modules', packageName)
  const { bin } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'))
  const relative = typeof bin === 'string' ? bin : bin?.[binName]
  if (!relative) throw new Error(`${packageName} has no "${binName}" command; run npm install`)
  return path.join(packageDir, relative)
}

/**
 * Starts `node <args>` in the repository, by default with inherited stdio and environment. A
 * `detached` child gets its own process group, so a Ctrl-C in the terminal reaches it only
 * through forwardSignals, once, instead of twice (directly and forwarded). `env` replaces the
 * environment; `prefix` pipes the child's output here with every line starting with it.
 */
export function startNode(args, label, options = {}) {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: options.prefix === undefined ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    detached: options.detached ?? false,
  })
  child.label = label
  if (options.prefix !== undefined) {
    prefixLines(child.stdout, options.prefix, process.stdout)
    prefixLines(child.stderr, options.prefix, process.stderr)
  }
  return child
}

/** Copies `input` to `output` line by line, each line led by `prefix`; a last partial line too. */
export function prefixLines(input, prefix, output) {
  let pending = ''
  input.setEncoding('utf8')
  input.on('data', (chunk) => {
    const lines = (pending + chunk).split('\n')
    pending = lines.pop()
    if (lines.length > 0) output.write(lines.map((line) => `${prefix}${line}\n`).join(''))
  })
  input.on('end', () => {
    if (pending !== '') output.write(`${prefix}${pending}\n`)
    pending = ''
  })
}

export function exitCodeOf(code, signal) {
  if (code !== null) return code
  return SIGNAL_EXIT_BASE + (SIGNAL_NUMBERS[signal] ?? 1)
}

/** Resolves with the child's exit code once it has exited. */
export function exited(child) {
  return new Promise((resolve) => {
    child.once('error', (error) => {
      process.stderr.write(`${child.label}: ${error.message}\n`)
      resolve(1)
    })
    child.once('exit', (code, signal) => resolve(exitCodeOf(code, signal)))
  })
}

/**
 * Passes SIGINT and SIGTERM on to the children instead of dying at once, so each can shut down
 * cleanly; a hang-up (terminal closed) is passed on as SIGTERM. `onSignal` hears about it first.
 * Returns a function that removes the handlers again.
 */
export function forwardSignals(children, onSignal = () => {}) {
  const forward = (signal) => {
    onSignal(signal)
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null)
        child.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal)
    }
  }
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const signal of signals) process.on(signal, forward)
  return () => {
    for (const signal of signals) process.off(signal, forward)
  }
}
