/**
 * The one place that reads the environment. Every variable is declared here with its default,
 * its bounds and a sentence for the README; `loadConfig` parses them all, reports every problem
 * in a single error and returns a frozen object that the rest of the program receives.
 */
import { isIP } from 'node:net'
import { hostname } from 'node:os'
import path from 'node:path'

export type ChainNetwork = 'devnet' | 'main' | 'test'
export type TransformerKind = 'local' | 'aitubo'
export type ProcessRole = 'all' | 'api' | 'worker'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface Config {
  env: 'production' | 'development' | 'test'
  role: ProcessRole
  host: string
  port: number
  publicUrl: string
  siteName: string
  logLevel: LogLevel
  dataDir: string
  /** PostgreSQL connection string; undefined means the embedded PGlite database in dataDir/db. */
  databaseUrl: string | undefined
  /** PostgreSQL connections this process may hold at once (PGlite has one). */
  databasePoolSize: number
  redisUrl: string | undefined
  /** Start of every Redis key and channel of this deployment. */
  redisPrefix: string
  chain: ChainNetwork
  /**
   * With CHAIN=devnet: the origin of the Memepool server that owns the devnet, whose
   * WhatsOnChain-compatible API this process uses instead of a chain of its own (a cluster).
   */
  devnetUrl: string | undefined
  /** This process's name in the X-Memepool-Node response header; undefined sends no header. */
  nodeName: string | undefined
  /** Fastify's trustProxy: addresses or CIDR ranges of the proxies whose X-Forwarded-* are believed. */
  trustProxy: string | undefined
  wocApiKey: string | undefined
  wocRequestsPerSecond: number
  devnetBlockIntervalSeconds: number
  transformer: TransformerKind
  aituboApiKey: string | undefined
  aituboUrl: string
  admins: readonly string[]
  /** How long a login session lasts, in hours. */
  sessionTtlHours: number
  money: {
    viewRateSatsPerSecond: number
    platformFeeBps: number
    directSharePct: number
    creatorSharePct: number
    minBillableSeconds: number
    maxSessionSeconds: number
    marketMinPriceSats: number
    withdrawMinSats: number
    depositConfirmations: number
  }
  ledger: {
    flushIntervalMs: number
    holdSeconds: number
    /** watch.start calls using the database at once; more wait in line. */
    startConcurrency: number
  }
  wallet: {
    /**
     * The platform's BIP32 master key (xprv). Undefined in embedded mode means generate one in
     * dataDir/keys; off embedded mode the wallet refuses to start without it. Never log it.
     */
    masterKey: string | undefined
    /** Seconds between deposit scans that no block or reorganisation triggered. */
    depositScanIntervalSeconds: number
    /** Fee rate of every transaction the platform builds (payouts, sweeps, anchors), sats per 1000 bytes. */
    networkFeeRateSatsPerKb: number
  }
  content: {
    /** SPEC 4: approved memes a round takes from the queue. */
    memesPerRound: number
    /** SPEC 4: the short side of an upload, at least. */
    minShortSidePx: number
    /** Transformation attempts before a meme goes to review. */
    transformAttempts: number
    /** Concurrent transformations in this process (0: this process runs none). */
    transformWorkers: number
  }
  /** The demo of a fresh install (src/demo.ts): memes generated, animated and approved a few per block. */
  demo: {
    enabled: boolean
    /** How many demo memes there are, at most (about 5 MB of media each). */
    memes: number
    /** Demo memes approved into the round queue per block, at most. */
    perRound: number
  }
  rateLimit: {
    apiRequestsPerMinute: number
    wsMessagesPerSecond: number
  }
  /** Leader election (src/services/leader): this node's name in the lease and the lease's timing. */
  leader: {
    nodeId: string
    leaseMs: number
    /** Shorter than leaseMs: a leader renews several times per lease. */
    renewMs: number
    /** False: this process never takes the lease (the cluster's chain owner). */
    eligible: boolean
  }
}

export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`)
  }
}

type Env = Record<string, string | undefined>

interface VariableDoc {
  name: string
  default: string
  description: string
}

/** Documentation of every variable, in the order of the README table. */
export const CONFIG_VARIABLES: readonly VariableDoc[] = [
  { name: 'NODE_ENV', default: 'development', description: 'production, development or test.' },
  {
    name: 'MEMEPOOL_ROLE',
    default: 'all',
    description: 'What this process runs: all, api (HTTP and WebSocket) or worker (queues, leader duties).',
  },
  { name: 'HOST', default: '127.0.0.1', description: 'Interface the HTTP server binds to.' },
  { name: 'PORT', default: '3000', description: 'HTTP port (1-65535; 0 picks a free one).' },
  {
    name: 'PUBLIC_URL',
    default: 'http://localhost:PORT',
    description: 'Address users reach the site at; login challenges name it.',
  },
  { name: 'SITE_NAME', default: 'Memepool', description: 'Name shown in the app and in login challenges.' },
  { name: 'LOG_LEVEL', default: 'info', description: 'fatal, error, warn, info, debug, trace or silent.' },
  {
    name: 'DATA_DIR',
    default: './data',
    description: 'Where the embedded database, devnet state, keys and media live.',
  },
  {
    name: 'DATABASE_URL',
    default: '(unset: PGlite in DATA_DIR/db)',
    description: 'PostgreSQL connection string, e.g. postgres://user@127.0.0.1:5432/memepool.',
  },
  {
    name: 'DATABASE_POOL_SIZE',
    default: '10',
    description:
      "PostgreSQL connections per process (2-100); every process of a cluster holds its own, so keep their sum under the server's max_connections.",
  },
  {
    name: 'REDIS_URL',
    default: '(unset: in-process)',
    description:
      'Redis for pub/sub, shared rate limits and caches, e.g. redis://127.0.0.1:6379; while it is down the node runs degraded (/ready says so).',
  },
  {
    name: 'REDIS_PREFIX',
    default: 'memepool:',
    description:
      'Start of every Redis key and pub/sub channel; deployments sharing one Redis need different ones (pub/sub ignores the database number). 1-64 letters, digits and . _ : -',
  },
  {
    name: 'CHAIN',
    default: 'devnet',
    description: 'devnet (local chain in this process), main or test (WhatsOnChain).',
  },
  {
    name: 'DEVNET_URL',
    default: '(unset: the devnet runs in this process)',
    description:
      'With CHAIN=devnet, the server that owns the devnet (e.g. http://127.0.0.1:8081); this process uses its chain.',
  },
  {
    name: 'MEMEPOOL_NODE',
    default: '(unset: no header)',
    description:
      'Name of this process, sent in the X-Memepool-Node header of every response (1-64 of A-Z a-z 0-9 . _ -).',
  },
  {
    name: 'TRUST_PROXY',
    default: '(unset: none)',
    description:
      'Comma-separated addresses or CIDR ranges of proxies whose X-Forwarded-For/-Proto are believed.',
  },
  {
    name: 'WOC_API_KEY',
    default: '(unset)',
    description: 'WhatsOnChain API key; without one the client stays under WOC_RPS.',
  },
  {
    name: 'WOC_RPS',
    default: '3',
    description: 'Requests per second to WhatsOnChain for the whole process (1-100).',
  },
  {
    name: 'DEVNET_BLOCK_INTERVAL_S',
    default: '60',
    description: 'Seconds between devnet blocks (0 = mine only on demand).',
  },
  {
    name: 'TRANSFORMER',
    default: 'local (aitubo when AITUBO_API_KEY is set)',
    description: 'Animation engine: local or aitubo.',
  },
  { name: 'AITUBO_API_KEY', default: '(unset)', description: 'API key for the AITubo service.' },
  { name: 'AITUBO_URL', default: 'https://api.aitubo.ai', description: 'Base address of the AITubo API.' },
  {
    name: 'ADMINS',
    default: '(empty)',
    description: 'Comma-separated wallet addresses or identity keys that are admins.',
  },
  {
    name: 'SESSION_TTL_HOURS',
    default: '168',
    description: 'How long a login session lasts, in hours (1-8760; 168 = a week).',
  },
  { name: 'VIEW_RATE_SATS_PER_S', default: '1', description: 'Price of one second of watching (1-1000).' },
  {
    name: 'PLATFORM_FEE_BPS',
    default: '200',
    description: 'Platform fee on every payment in basis points (0-1000; 200 = 2%).',
  },
  {
    name: 'DIRECT_SHARE_PCT',
    default: '40',
    description: 'Share of each payment after the fee that goes to creator and owner (40-45).',
  },
  {
    name: 'CREATOR_SHARE_PCT',
    default: '10',
    description: "Creator's part of the direct share; the owner gets the rest (0-100).",
  },
  {
    name: 'MIN_BILLABLE_S',
    default: '3',
    description: 'A view is charged once it reaches this many seconds (1-60).',
  },
  { name: 'MAX_SESSION_S', default: '3600', description: 'Longest watch session in seconds (60-86400).' },
  { name: 'MARKET_MIN_PRICE_SATS', default: '1000', description: 'Lowest listing price (at least 1).' },
  { name: 'WITHDRAW_MIN_SATS', default: '1000', description: 'Smallest withdrawal (at least 546).' },
  {
    name: 'DEPOSIT_CONFIRMATIONS',
    default: '1 on devnet, 6 otherwise',
    description: 'Confirmations before a deposit is credited (1-100).',
  },
  {
    name: 'MASTER_KEY',
    default: '(unset: in DATA_DIR/keys when embedded)',
    description: 'BIP32 xprv of deposit addresses and the hot wallet; required with DATABASE_URL.',
  },
  {
    name: 'DEPOSIT_SCAN_INTERVAL_S',
    default: '60',
    description: 'Seconds between deposit scans besides the ones each new block triggers (5-3600).',
  },
  {
    name: 'NETWORK_FEE_RATE_SATS_PER_KB',
    default: '100',
    description: 'Fee rate of the transactions the platform builds, sats per 1000 bytes (1-100000).',
  },
  {
    name: 'FLUSH_INTERVAL_MS',
    default: '1000',
    description: 'How often accumulated view seconds are written to the ledger (100-10000).',
  },
  {
    name: 'WATCH_START_CONCURRENCY',
    default: '2',
    description:
      'Batches of watch starts at the database at once, each one read and one transaction for up to 500 starts; a crowd waits in line (2,000 at most) so that billing keeps its connections (1-64, below DATABASE_POOL_SIZE).',
  },
  {
    name: 'HOLD_SECONDS',
    default: '30',
    description: 'Seconds of viewing reserved per hold on a watch session (5-600).',
  },
  {
    name: 'MEMES_PER_ROUND',
    default: '20',
    description: 'Approved memes each round takes from the queue (1-100).',
  },
  {
    name: 'MIN_SHORT_SIDE_PX',
    default: '1080',
    description: 'Smallest short side of an uploaded image in pixels (64-4320).',
  },
  {
    name: 'TRANSFORM_ATTEMPTS',
    default: '3',
    description: 'Transformation attempts before a meme goes to review (1-10).',
  },
  {
    name: 'TRANSFORM_WORKERS',
    default: '1',
    description: 'Transformations this process runs at once (0-8; 0 leaves them to other processes).',
  },
  {
    name: 'DEMO',
    default: 'on (devnet, no DATABASE_URL), else off',
    description: 'on: generate demo memes, animate them and approve a few per block into the round queue.',
  },
  {
    name: 'DEMO_MEMES',
    default: '30',
    description: 'How many demo memes there are, uploaded as rounds use them (0-50; ~5 MB of media each).',
  },
  {
    name: 'DEMO_PER_ROUND',
    default: '3',
    description: 'Demo memes approved into the round queue per block, at most (1-20).',
  },
  { name: 'RATE_LIMIT_API_PER_MIN', default: '1000', description: 'API requests per client per minute.' },
  { name: 'RATE_LIMIT_WS_PER_S', default: '100', description: 'WebSocket messages per client per second.' },
  {
    name: 'MEMEPOOL_NODE_ID',
    default: 'MEMEPOOL_NODE, else hostname:pid',
    description: 'Name of this process in the leader lease; unique per process (1-128 characters).',
  },
  {
    name: 'LEADER_LEASE_MS',
    default: '6000',
    description:
      'How long a leader lease lasts unrenewed; a dead leader is replaced within lease + renew (1000-60000).',
  },
  {
    name: 'LEADER_RENEW_MS',
    default: '2000',
    description: 'How often nodes take or renew the leader lease (100-30000, below LEADER_LEASE_MS).',
  },
  {
    name: 'LEADER_ELIGIBLE',
    default: 'on',
    description:
      'off: this process never leads (the cluster command sets it for the devnet owner, so that killing a leader never takes the chain down with it).',
  },
]

class Reader {
  readonly problems: string[] = []
  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name]
    return value === undefined || value.trim() === '' ? undefined : value.trim()
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback
  }

  optional(name: string): string | undefined {
    return this.raw(name)
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const text = this.raw(name)
    if (text === undefined) return fallback
    if (!/^-?\d+$/.test(text)) {
      this.problems.push(`${name} must be a whole number, got "${text}"`)
      return fallback
    }
    const value = Number(text)
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be between ${min} and ${max}, got ${text}`)
      return fallback
    }
    return value
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const text = this.raw(name)
    if (text === undefined) return fallback
    if (!(allowed as readonly string[]).includes(text)) {
      this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${text}"`)
      return fallback
    }
    return text as T
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const text = this.raw(name)
    if (text === undefined) return undefined
    try {
      const parsed = new URL(text)
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(' or ')}, got ${parsed.protocol}`)
      }
    } catch {
      // The value itself may hold a password, so it is not repeated in the message.
      this.problems.push(`${name} is not a valid URL`)
    }
    return text
  }
}

/** A header-safe process name (it is sent in every response). */
const NODE_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/
/** An IPv4 or IPv6 address, optionally with a /prefix length. */
const CIDR_PATTERN = /^(?<address>[0-9A-Fa-f.:]+)(?:\/(?<bits>\d{1,3}))?$/

function readDevnetUrl(r: Reader, chain: ChainNetwork): string | undefined {
  const url = r.url('DEVNET_URL', ['http:', 'https:'])
  if (url !== undefined && chain !== 'devnet') r.problems.push(`DEVNET_URL needs CHAIN=devnet, got ${chain}`)
  return url?.replace(/\/+$/, '')
}

function readNodeName(r: Reader): string | undefined {
  const name = r.optional('MEMEPOOL_NODE')
  if (name !== undefined && !NODE_NAME_PATTERN.test(name)) {
    r.problems.push('MEMEPOOL_NODE must be 1 to 64 letters, digits, dots, dashes or underscores')
  }
  return name
}

function readTrustProxy(r: Reader): string | undefined {
  const text = r.optional('TRUST_PROXY')
  if (text === undefined) return undefined
  const entries = text.split(',').map((entry) => entry.trim())
  for (const entry of entries) {
    const groups = CIDR_PATTERN.exec(entry)?.groups
    const version = groups?.address === undefined ? 0 : isIP(groups.address)
    const bits = groups?.bits === undefined ? undefined : Number(groups.bits)
    if (version === 0 || (bits !== undefined && bits > (version === 4 ? 32 : 128))) {
      r.problems.push(`TRUST_PROXY entries must be IP addresses or CIDR ranges, got "${entry}"`)
    }
  }
  return entries.join(',')
}

/** Node id, lease and renewal; the renewal must fit several times in the lease. */
function readLeader(r: Reader, nodeName: string | undefined): Config['leader'] {
  const nodeId = r.optional('MEMEPOOL_NODE_ID') ?? nodeName ?? `${hostname()}:${process.pid}`
  if (nodeId.length > 128) r.problems.push('MEMEPOOL_NODE_ID must be at most 128 characters')
  const leaseMs = r.int('LEADER_LEASE_MS', 6000, 1000, 60_000)
  const renewMs = r.int('LEADER_RENEW_MS', 2000, 100, 30_000)
  if (renewMs >= leaseMs)
    r.problems.push(`LEADER_RENEW_MS (${renewMs}) must be below LEADER_LEASE_MS (${leaseMs})`)
  const eligible = r.oneOf('LEADER_ELIGIBLE', 'on', ['on', 'off'] as const) === 'on'
  return { nodeId, leaseMs, renewMs, eligible }
}

function readRedisPrefix(r: Reader): string {
  const prefix = r.optional('REDIS_PREFIX') ?? 'memepool:'
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(prefix))
    r.problems.push('REDIS_PREFIX must be 1 to 64 letters, digits, dots, underscores, colons or dashes')
  return prefix
}

/** A Redis address: redis:// or rediss:// (TLS), a host, an optional port and database number. */
const REDIS_DATABASE_PATH_PATTERN = /^(\/\d{1,5})?\/?$/

function readRedisUrl(r: Reader): string | undefined {
  const url = r.url('REDIS_URL', ['redis:', 'rediss:'])
  if (url === undefined || !URL.canParse(url)) return url
  const parsed = new URL(url)
  if (parsed.hostname === '' || !REDIS_DATABASE_PATH_PATTERN.test(parsed.pathname)) {
    // As in Reader.url, the value is not repeated: it may hold a password.
    r.problems.push('REDIS_URL must look like redis://[user:password@]host[:port][/database number]')
  }
  return url
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner)
    Object.freeze(value)
  }
  return value
}

export function loadConfig(env: Env = process.env): Config {
  const r = new Reader(env)
  const nodeEnv = r.oneOf('NODE_ENV', 'development', ['production', 'development', 'test'] as const)
  const port = r.int('PORT', 3000, 0, 65_535)
  const chain = r.oneOf<ChainNetwork>('CHAIN', 'devnet', ['devnet', 'main', 'test'])
  const aituboApiKey = r.optional('AITUBO_API_KEY')
  const transformer = r.oneOf<TransformerKind>('TRANSFORMER', aituboApiKey ? 'aitubo' : 'local', [
    'local',
    'aitubo',
  ])
  if (transformer === 'aitubo' && !aituboApiKey) r.problems.push('TRANSFORMER=aitubo needs AITUBO_API_KEY')
  const dataDir = path.resolve(r.string('DATA_DIR', './data'))
  const publicUrl = r.url('PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`

  const config: Config = {
    env: nodeEnv,
    role: r.oneOf<ProcessRole>('MEMEPOOL_ROLE', 'all', ['all', 'api', 'worker']),
    host: r.string('HOST', '127.0.0.1'),
    port,
    publicUrl,
    siteName: r.string('SITE_NAME', 'Memepool'),
    logLevel: r.oneOf<LogLevel>('LOG_LEVEL', 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
    dataDir,
    databaseUrl: r.url('DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolSize: r.int('DATABASE_POOL_SIZE', 10, 2, 100),
    redisUrl: readRedisUrl(r),
    redisPrefix: readRedisPrefix(r),
    chain,
    devnetUrl: readDevnetUrl(r, chain),
    nodeName: readNodeName(r),
    trustProxy: readTrustProxy(r),
    wocApiKey: r.optional('WOC_API_KEY'),
    wocRequestsPerSecond: r.int('WOC_RPS', 3, 1, 100),
    devnetBlockIntervalSeconds: r.int('DEVNET_BLOCK_INTERVAL_S', 60, 0, 86_400),
    transformer,
    aituboApiKey,
    aituboUrl: r.url('AITUBO_URL', ['http:', 'https:']) ?? 'https://api.aitubo.ai',
    admins: (r.optional('ADMINS') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    sessionTtlHours: r.int('SESSION_TTL_HOURS', 168, 1, 8760),
    money: {
      viewRateSatsPerSecond: r.int('VIEW_RATE_SATS_PER_S', 1, 1, 1000),
      platformFeeBps: r.int('PLATFORM_FEE_BPS', 200, 0, 1000),
      directSharePct: r.int('DIRECT_SHARE_PCT', 40, 40, 45),
      creatorSharePct: r.int('CREATOR_SHARE_PCT', 10, 0, 100),
      minBillableSeconds: r.int('MIN_BILLABLE_S', 3, 1, 60),
      maxSessionSeconds: r.int('MAX_SESSION_S', 3600, 60, 86_400),
      marketMinPriceSats: r.int('MARKET_MIN_PRICE_SATS', 1000, 1, 2_100_000_000_000_000),
      withdrawMinSats: r.int('WITHDRAW_MIN_SATS', 1000, 546, 2_100_000_000_000_000),
      depositConfirmations: r.int('DEPOSIT_CONFIRMATIONS', chain === 'devnet' ? 1 : 6, 1, 100),
    },
    wallet: {
      masterKey: r.optional('MASTER_KEY'),
      depositScanIntervalSeconds: r.int('DEPOSIT_SCAN_INTERVAL_S', 60, 5, 3600),
      networkFeeRateSatsPerKb: r.int('NETWORK_FEE_RATE_SATS_PER_KB', 100, 1, 100_000),
    },
    ledger: {
      flushIntervalMs: r.int('FLUSH_INTERVAL_MS', 1000, 100, 10_000),
      holdSeconds: r.int('HOLD_SECONDS', 30, 5, 600),
      startConcurrency: r.int('WATCH_START_CONCURRENCY', 2, 1, 64),
    },
    content: {
      memesPerRound: r.int('MEMES_PER_ROUND', 20, 1, 100),
      minShortSidePx: r.int('MIN_SHORT_SIDE_PX', 1080, 64, 4320),
      transformAttempts: r.int('TRANSFORM_ATTEMPTS', 3, 1, 10),
      transformWorkers: r.int('TRANSFORM_WORKERS', 1, 0, 8),
    },
    demo: {
      enabled:
        r.oneOf('DEMO', chain === 'devnet' && r.raw('DATABASE_URL') === undefined ? 'on' : 'off', [
          'on',
          'off',
        ] as const) === 'on',
      memes: r.int('DEMO_MEMES', 30, 0, 50),
      perRound: r.int('DEMO_PER_ROUND', 3, 1, 20),
    },
    rateLimit: {
      apiRequestsPerMinute: r.int('RATE_LIMIT_API_PER_MIN', 1000, 1, 1_000_000),
      wsMessagesPerSecond: r.int('RATE_LIMIT_WS_PER_S', 100, 1, 100_000),
    },
    leader: readLeader(r, r.optional('MEMEPOOL_NODE')),
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems)
  return deepFreeze(config)
}
