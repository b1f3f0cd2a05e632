/**
 * `npm run cluster -- --nodes 3 [--workers 1] [--port 8080] [--data-dir data/cluster]`: a
 * multi-process Memepool on this machine, on PostgreSQL and Redis, behind one round-robin front.
 *
 *   1. DATABASE_URL (default: the memepool_cluster database of the local server, created when
 *      missing) and REDIS_URL (default redis://127.0.0.1:6379) are checked; migrations run once.
 *   2. On the devnet, one process owns the chain ("chain", an API node outside the round robin on
 *      port + nodes + 1); every other process reaches it through DEVNET_URL, so all see one chain.
 *   3. N API nodes listen on port + 1 ... port + N, W workers run the queues, and the front
 *      (src/cluster/front-main.ts) spreads requests and WebSockets over the API nodes on --port,
 *      sending /devnet/ and /api/v1/devnet/ to the chain's owner.
 *
 * Every process shares the data directory (media) and one wallet master key: MASTER_KEY, or one
 * generated into <data-dir>/keys/master.key (0600) and passed to the children, never printed.
 * One line per process says its role, port and pid; logs are prefixed with the process's name.
 * A child that dies is reported and restarted with backoff. SIGINT/SIGTERM stop the front first,
 * then the nodes and workers, then the chain's owner; a second signal kills what is left.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import net from 'node:net'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { HD } from '@bsv/sdk'
import pg from 'pg'
import { SERVER_NODE_FLAGS } from './lib/node-flags.mjs'
import { exitCodeOf, repoRoot, startNode } from './lib/processes.mjs'

const EXIT_USAGE = 2
const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/memepool_cluster'
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'
const MAX_NODES = 16
const MAX_WORKERS = 16
/** The chain's owner must be up before the others, whose block sync would otherwise back off. */
const READY_TIMEOUT_MS = 120_000
const READY_POLL_MS = 250
const RESTART_BACKOFF_FIRST_MS = 1_000
const RESTART_BACKOFF_MAX_MS = 30_000
/** A child that ran this long before dying is restarted after the first backoff again. */
const STABLE_RUN_MS = 30_000
/** After a stop signal, children still running after this are killed. */
const STOP_TIMEOUT_MS = 20_000
const REDIS_CHECK_TIMEOUT_MS = 3_000
/** A database name the script may create without quoting surprises. */
const SAFE_DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

const USAGE = `Usage: npm run cluster -- --nodes N [--workers W] [--port P] [--host H] [--data-dir DIR]

  --nodes N       API nodes behind the front (1-${MAX_NODES}), on ports P+1 ... P+N
  --workers W     worker processes (0-${MAX_WORKERS}; default 1)
  --port P        the front's port (default 8080); the devnet's owner listens on P+N+1
  --host H        the front's interface (default 127.0.0.1); the processes behind it stay on
                  127.0.0.1
  --data-dir DIR  shared data directory: media, devnet state, the generated master key
                  (default data/cluster)

Environment: DATABASE_URL (default ${DEFAULT_DATABASE_URL}, created if missing),
REDIS_URL (default ${DEFAULT_REDIS_URL}), MASTER_KEY (default: generated into DIR/keys),
and any other setting of the README's table, passed on to every process.
`

function say(line) {
  process.stdout.write(`cluster: ${line}\n`)
}

function fail(message, code = 1) {
  process.stderr.write(`cluster: ${message}\n`)
  process.exit(code)
}

function wholeNumber(text, name, min, max) {
  const value = Number(text)
  if (!/^\d+$/.test(text) || value < min || value > max) {
    fail(`${name} must be a whole number from ${min} to ${max}, got "${text}"\n\n${USAGE}`, EXIT_USAGE)
  }
  return value
}

function parseCommandLine() {
  let values
  try {
    ;({ values } = parseArgs({
      options: {
        nodes: { type: 'string' },
        workers: { type: 'string', default: '1' },
        port: { type: 'string', default: '8080' },
        host: { type: 'string', default: '127.0.0.1' },
        'data-dir': { type: 'string', default: path.join(repoRoot, 'data', 'cluster') },
        help: { type: 'boolean', default: false },
      },
    }))
  } catch (error) {
    fail(`${error.message}\n\n${USAGE}`, EXIT_USAGE)
  }
  if (values.help) {
    process.stdout.write(USAGE)
    process.exit(0)
  }
  if (values.nodes === undefined) fail(`--nodes is required\n\n${USAGE}`, EXIT_USAGE)
  const nodes = wholeNumber(values.nodes, '--nodes', 1, MAX_NODES)
  return {
    nodes,
    workers: wholeNumber(values.workers, '--workers', 0, MAX_WORKERS),
    port: wholeNumber(values.port, '--port', 1, 65_535 - nodes - 1),
    host: values.host,
    dataDir: path.resolve(values['data-dir']),
  }
}

/** A connection string fit for printing: the password, if any, replaced. */
function printable(url) {
  const parsed = new URL(url)
  if (parsed.password) parsed.password = '***'
  return parsed.toString()
}

/** How this machine reaches a server bound to `host` (any-address binds are reached on loopback). */
function reachableHost(host) {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}

/** Refuses to start when a port the cluster needs is taken (a node there would answer probes). */
async function checkPortsFree(host, ports) {
  for (const port of ports) {
    const free = await new Promise((resolve) => {
      const server = net.createServer()
      server.once('error', () => resolve(false))
      server.listen(port, host, () => server.close(() => resolve(true)))
    })
    if (!free) throw new Error(`port ${port} on ${host} is in use; choose another --port`)
  }
}

/** Connects to the database, creating it on the same server when it does not exist yet. */
async function ensureDatabase(url) {
  const probe = new pg.Client({ connectionString: url })
  try {
    await probe.connect()
    await probe.end()
    return
  } catch (error) {
    await probe.end().catch(() => {})
    // 3D000: invalid_catalog_name, the database does not exist.
    if (error.code !== '3D000')
      throw new Error(`PostgreSQL is not reachable at ${printable(url)}: ${error.message}`)
  }
  const name = decodeURIComponent(new URL(url).pathname.slice(1))
  if (!SAFE_DATABASE_NAME.test(name))
    throw new Error(`will not create a database named "${name}"; create it yourself`)
  const serverUrl = new URL(url)
  serverUrl.pathname = '/postgres'
  const admin = new pg.Client({ connectionString: serverUrl.toString() })
  await admin.connect()
  try {
    await admin.query(`create database "${name}"`)
    say(`created database ${name}`)
  } catch (error) {
    // 42P04: duplicate_database, another start created it meanwhile.
    if (error.code !== '42P04') throw error
  } finally {
    await admin.end()
  }
}

/** Resolves when something at the Redis URL answers a PING (even "NOAUTH": it is up). */
function checkRedis(url) {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) })
    const done = (error) => {
      socket.destroy()
      if (error) reject(new Error(`Redis is not reachable at ${hostname}:${port || 6379}: ${error.message}`))
      else resolve()
    }
    socket.setTimeout(REDIS_CHECK_TIMEOUT_MS, () => done(new Error('no answer')))
    socket.once('error', done)
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (data) => {
      const reply = data.toString()
      done(reply.startsWith('+') || reply.startsWith('-') ? undefined : new Error('not a Redis answer'))
    })
  })
}

/** MASTER_KEY, or the cluster's own key from <dataDir>/keys/master.key, created once (0600). */
async function masterKey(dataDir) {
  if (process.env.MASTER_KEY?.trim()) return process.env.MASTER_KEY.trim()
  const dir = path.join(dataDir, 'keys')
  const file = path.join(dir, 'master.key')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  try {
    return (await readFile(file, 'utf8')).trim()
  } catch (error) {
    if (error.code !== 'ENOENT') throw error
  }
  const key = HD.fromRandom().toString()
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' })
  say(`generated the cluster's wallet master key in ${file} (back it up with the database)`)
  return key
}

async function runOnce(args, name, env) {
  const child = startNode(args, name, { env, prefix: `[${name}] ` })
  return new Promise((resolve) => {
    child.once('error', () => resolve(1))
    child.once('exit', (code, signal) => resolve(exitCodeOf(code, signal)))
  })
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Every process of the cluster: how to start it, and its current child. */
class Supervised {
  constructor({ name, role, port, args, env }) {
    Object.assign(this, { name, role, port, args, env })
    this.child = undefined
    this.backoffMs = RESTART_BACKOFF_FIRST_MS
    this.restartTimer = undefined
    this.startedAt = 0
    this.exitedPromise = Promise.resolve(0)
  }

  get running() {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
  }

  start(supervisor) {
    this.startedAt = Date.now()
    // Detached: a terminal's Ctrl-C reaches the children only through this script, in order.
    const child = startNode(this.args, this.name, {
      env: this.env,
      detached: true,
      prefix: `[${this.name}] `,
    })
    this.child = child
    this.exitedPromise = new Promise((resolve) => {
      // A child that could not be spawned never exits: it counts as stopped, and is not retried.
      child.once('error', (error) => {
        process.stderr.write(`cluster: ${this.name} could not start: ${error.message}\n`)
        resolve(1)
      })
      child.once('exit', (code, signal) => {
        resolve(exitCodeOf(code, signal))
        supervisor.exited(this, code, signal)
      })
    })
    const port = this.port === undefined ? '' : ` port ${this.port}`
    say(`started ${this.name} (${this.role})${port} pid ${child.pid}`)
  }

  signal(signal) {
    if (this.running) this.child.kill(signal)
  }
}

class Supervisor {
  constructor() {
    this.processes = []
    this.stopping = false
  }

  add(spec) {
    const supervised = new Supervised(spec)
    this.processes.push(supervised)
    if (!this.stopping) supervised.start(this)
    return supervised
  }

  exited(supervised, code, signal) {
    if (this.stopping) return
    const how = signal ? `signal ${signal}` : `code ${code}`
    if (Date.now() - supervised.startedAt >= STABLE_RUN_MS) supervised.backoffMs = RESTART_BACKOFF_FIRST_MS
    const delayMs = supervised.backoffMs
    supervised.backoffMs = Math.min(RESTART_BACKOFF_MAX_MS, delayMs * 2)
    process.stderr.write(
      `cluster: ${supervised.name} (pid ${supervised.child.pid}) exited with ${how}; restarting in ${delayMs / 1000} s\n`,
    )
    supervised.restartTimer = setTimeout(() => {
      supervised.restartTimer = undefined
      if (!this.stopping) supervised.start(this)
    }, delayMs)
  }

  /** Stops `group` with SIGTERM and waits for all of it, killing what outlives the deadline. */
  async stopGroup(group, deadline) {
    for (const supervised of group) supervised.signal('SIGTERM')
    const all = Promise.all(group.map((supervised) => supervised.exitedPromise))
    const late = await Promise.race([
      all.then(() => false),
      sleep(Math.max(0, deadline - Date.now())).then(() => true),
    ])
    if (late) {
      for (const supervised of group) {
        if (supervised.running) {
          process.stderr.write(`cluster: ${supervised.name} did not stop in time; killing it\n`)
          supervised.signal('SIGKILL')
        }
      }
      await all
    }
  }

  /** Front first (no new requests), then nodes and workers, then the chain's owner. */
  async stop(signal) {
    if (this.stopping) return
    this.stopping = true
    say(`${signal}: stopping every process`)
    for (const supervised of this.processes) clearTimeout(supervised.restartTimer)
    const deadline = Date.now() + STOP_TIMEOUT_MS
    const byRole = (roles) => this.processes.filter((p) => roles.includes(p.role))
    await this.stopGroup(byRole(['front']), deadline)
    await this.stopGroup(byRole(['api', 'worker']), deadline)
    await this.stopGroup(byRole(['chain']), deadline)
    say('stopped')
  }

  killAll() {
    for (const supervised of this.processes) supervised.signal('SIGKILL')
  }
}

/**
 * Waits until http://127.0.0.1:<port><path> answers 200 (a child that dies meanwhile is restarted
 * and waited for), or the cluster is stopping, or time runs out.
 */
async function waitUntilReady(supervisor, supervised, port, probePath = '/ready', host = '127.0.0.1') {
  const started = Date.now()
  while (Date.now() - started < READY_TIMEOUT_MS) {
    if (supervisor.stopping) return
    try {
      const response = await fetch(`http://${host}:${port}${probePath}`, {
        signal: AbortSignal.timeout(2_000),
      })
      await response.body?.cancel()
      if (response.status === 200) return
    } catch {
      // Not listening yet.
    }
    await sleep(READY_POLL_MS)
  }
  throw new Error(
    `${supervised.name} did not become ready on port ${port} within ${READY_TIMEOUT_MS / 1000} s`,
  )
}

async function main() {
  const options = parseCommandLine()
  const databaseUrl = process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL
  const redisUrl = process.env.REDIS_URL?.trim() || DEFAULT_REDIS_URL
  const chain = process.env.CHAIN?.trim() || 'devnet'
  const publicUrl = process.env.PUBLIC_URL?.trim() || `http://localhost:${options.port}`

  const chainPort = options.port + options.nodes + 1
  const nodePorts = Array.from({ length: options.nodes }, (_, i) => options.port + 1 + i)
  await checkPortsFree(options.host, [options.port])
  await checkPortsFree('127.0.0.1', [...nodePorts, ...(chain === 'devnet' ? [chainPort] : [])])
  await ensureDatabase(databaseUrl)
  await checkRedis(redisUrl)
  await mkdir(options.dataDir, { recursive: true })
  const common = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    MASTER_KEY: await masterKey(options.dataDir),
    DATA_DIR: options.dataDir,
    PUBLIC_URL: publicUrl,
    HOST: '127.0.0.1',
    // The nodes believe X-Forwarded-For from the front only.
    TRUST_PROXY: '127.0.0.1,::1',
  }
  // Each process has its own name (leader election tells them apart by it) and its own chain role.
  delete common.DEVNET_URL
  delete common.MEMEPOOL_NODE_ID
  say(`database ${printable(databaseUrl)}, redis ${printable(redisUrl)}, data ${options.dataDir}`)
  const migrated = await runOnce(
    ['--import', 'tsx', path.join(repoRoot, 'src', 'cli', 'main.ts'), 'migrate'],
    'migrate',
    common,
  )
  if (migrated !== 0) fail(`migrations failed (exit ${migrated}); not starting`)

  const supervisor = new Supervisor()
  let signals = 0
  const onSignal = (signal) => {
    signals += 1
    if (signals > 1) {
      say(`${signal} again: killing every process`)
      supervisor.killAll()
      return
    }
    void supervisor.stop(signal).then(() => process.exit(0))
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal)
  // Last resort: if this script dies of an error, no child is left running.
  process.on('exit', () => supervisor.killAll())

  const serverArgs = [...SERVER_NODE_FLAGS, '--import', 'tsx', path.join(repoRoot, 'src', 'main.ts')]
  // With workers, transformations are theirs; API nodes and the chain's owner keep to requests.
  const requestsOnly = options.workers > 0 ? { TRANSFORM_WORKERS: '0' } : {}
  let devnetUrl = {}
  let owner
  if (chain === 'devnet') {
    owner = supervisor.add({
      name: 'chain',
      role: 'chain',
      port: chainPort,
      args: serverArgs,
      env: {
        ...common,
        ...requestsOnly,
        MEMEPOOL_ROLE: 'api',
        PORT: String(chainPort),
        MEMEPOOL_NODE: 'chain',
        // The chain's owner never leads: killing a leader must not take the chain down with it.
        LEADER_ELIGIBLE: 'off',
      },
    })
    await waitUntilReady(supervisor, owner, chainPort)
    // The WhatsOnChain client's limiter guards a public service; the local owner takes more.
    devnetUrl = { DEVNET_URL: `http://127.0.0.1:${chainPort}`, WOC_RPS: process.env.WOC_RPS || '50' }
  }
  const apiNodes = []
  for (let i = 1; i <= options.nodes; i++) {
    const port = options.port + i
    const name = `api-${i}`
    const env = {
      ...common,
      ...requestsOnly,
      ...devnetUrl,
      MEMEPOOL_ROLE: 'api',
      PORT: String(port),
      MEMEPOOL_NODE: name,
    }
    apiNodes.push(supervisor.add({ name, role: 'api', port, args: serverArgs, env }))
  }
  for (let i = 1; i <= options.workers; i++) {
    const name = `worker-${i}`
    const env = { ...common, ...devnetUrl, MEMEPOOL_ROLE: 'worker', MEMEPOOL_NODE: name }
    supervisor.add({ name, role: 'worker', args: serverArgs, env })
  }
  for (const node of apiNodes) await waitUntilReady(supervisor, node, node.port)

  const frontArgs = [
    '--import',
    'tsx',
    path.join(repoRoot, 'src', 'cluster', 'front-main.ts'),
    '--port',
    String(options.port),
    '--host',
    options.host,
    ...apiNodes.flatMap((node) => ['--backend', `${node.name}=http://127.0.0.1:${node.port}`]),
    ...(owner ? ['--devnet', `chain=http://127.0.0.1:${chainPort}`] : []),
  ]
  const front = supervisor.add({
    name: 'front',
    role: 'front',
    port: options.port,
    args: frontArgs,
    env: process.env,
  })
  await waitUntilReady(supervisor, front, options.port, '/health', reachableHost(options.host))
  if (supervisor.stopping) return
  const workers = options.workers === 1 ? '1 worker' : `${options.workers} workers`
  const nodes = options.nodes === 1 ? '1 API node' : `${options.nodes} API nodes`
  const chainNote = owner ? `, devnet owned by chain on port ${chainPort}` : ''
  say(`ready at ${publicUrl} (front on ${options.host}:${options.port}; ${nodes}, ${workers}${chainNote})`)
}

main().catch((error) => {
  fail(error.message)
})
