/**
 * The scale benchmarks in one command (issue 8, part 5), each against a baseline measured in the
 * same run, each in its own processes; prints one table and writes bench/results/scale.json.
 *
 *   ledger  view-seconds posted per second, batched against the naive way (bench/ledger.ts)
 *   ws      the WebSocket gateway against Socket.IO 4.8 doing the same work (bench/scale/ws.ts)
 *   api     API reads under autocannon against a bare Fastify hello-world (bench/scale/api.ts)
 *   fanout  a round update to N subscribers across two nodes and Redis, against a bare `ws`
 *           broadcast server (bench/scale/fanout.ts)
 *
 *   npm run bench:scale                          everything at full size
 *   npm run bench:scale -- --quick               smoke sizes (a couple of minutes)
 *   npm run bench:scale -- --only ws,api --clients 5000
 *
 * Every figure comes with the CPU that other processes of the machine used meanwhile (from
 * /proc, in % of one core; the machine has cores × 100 %): figures taken on a busy machine are
 * noise, and this says how much.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'
import {
  describeMachine,
  HERE,
  killChildren,
  measureMachine,
  ROOT,
  ratio,
  stopChildrenOnExit,
  track,
} from './scale/common.ts'
import type { BenchResult, Row } from './scale/report.ts'

const BENCHMARKS = ['ledger', 'ws', 'api', 'fanout'] as const
type Benchmark = (typeof BENCHMARKS)[number]

/** Sizes of --quick: every part runs, small enough for CI. */
const QUICK = {
  clients: '300',
  warmup: '2',
  steady: '5',
  duration: '3',
  connections: '20',
  subscribers: '400',
  updates: '3',
}

const { values: args } = parseArgs({
  options: {
    only: { type: 'string', default: BENCHMARKS.join(',') },
    quick: { type: 'boolean', default: false },
    clients: { type: 'string' },
    'ws-workers': { type: 'string', default: '2' },
    ramp: { type: 'string', default: '1000' },
    warmup: { type: 'string' },
    steady: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    subscribers: { type: 'string' },
    updates: { type: 'string' },
    'fanout-workers': { type: 'string', default: '2' },
    'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    'redis-db': { type: 'string', default: '9' },
    'ledger-skip-pg': { type: 'boolean', default: false },
    json: { type: 'string', default: 'bench/results/scale.json' },
    help: { type: 'boolean', default: false },
  },
})

if (args.help) {
  process.stdout.write(
    [
      'tsx bench/scale.ts [options]',
      '  --only LIST            ledger,ws,api,fanout (all)',
      '  --quick                smoke sizes: 300 ws clients, 3 s of autocannon, 400 subscribers, 3 updates',
      '  ws:      --clients N (10000) --ws-workers N (2) --ramp N/s (1000) --warmup S (10) --steady S (30)',
      '  api:     --duration S (10) --connections N (50)',
      '  fanout:  --subscribers N (10000) --updates N (10) --fanout-workers N (2)',
      '  ledger:  --ledger-skip-pg (PGlite only); its sizes are bench/ledger.ts constants',
      '  --pg-url URL           PostgreSQL for the ledger and the fanout scratch database',
      '  --redis-url URL --redis-db N   Redis for the fanout nodes (database 9)',
      '  --json FILE            where the figures go (bench/results/scale.json)',
      '',
    ].join('\n'),
  )
  process.exit(0)
}

const selected = args.only.split(',').map((b) => b.trim()) as Benchmark[]
for (const b of selected) if (!BENCHMARKS.includes(b)) throw new Error(`unknown benchmark ${b}`)

/** A size flag: given, else --quick's, else the benchmark's own default. */
function size(name: keyof typeof QUICK): string[] {
  const value = args[name] ?? (args.quick ? QUICK[name] : undefined)
  return value === undefined ? [] : [`--${name}`, value]
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const runDir = path.join(ROOT, 'bench', 'results', `scale-${stamp}`)

function run(script: string, scriptArgs: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = track(
      spawn(process.execPath, ['--import', 'tsx', script, ...scriptArgs], { cwd: ROOT, stdio: 'inherit' }),
    )
    child.on('exit', (code) => resolve(code ?? 1))
  })
}

function readResult(file: string): BenchResult | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchResult) : undefined
}

interface LedgerFigures {
  database: string
  writers: number
  batchedViewSecondsPerSecond: number
  naiveViewSecondsPerSecond: number
  ratio: number
  flushMsMedian: number
}

/** bench/ledger.ts as it is, its figures folded into rows. */
async function runLedger(): Promise<BenchResult | undefined> {
  const out = path.join(runDir, 'ledger.json')
  const endMachine = measureMachine()
  const code = await run(path.join(ROOT, 'bench', 'ledger.ts'), [
    '--pg',
    args['pg-url'],
    '--json',
    out,
    ...(args['ledger-skip-pg'] ? ['--skip-pg'] : []),
  ])
  const machine = endMachine()
  if (code !== 0 || !existsSync(out)) return undefined
  const { figures } = JSON.parse(readFileSync(out, 'utf8')) as { figures: LedgerFigures[] }
  const others = `${machine.othersPct} (whole run, PostgreSQL included)`
  return {
    benchmark: 'ledger',
    rows: figures.map((f) => ({
      benchmark: 'ledger',
      measure: `view-seconds/s, ${f.database}`,
      subject: 'batched flush',
      value: f.batchedViewSecondsPerSecond,
      baseline: 'naive (1 tx per view-second)',
      baselineValue: f.naiveViewSecondsPerSecond,
      ratio: ratio(f.batchedViewSecondsPerSecond, f.naiveViewSecondsPerSecond),
      othersPct: others,
    })),
    details: { figures, machine },
  }
}

async function runPart(benchmark: Exclude<Benchmark, 'ledger'>): Promise<BenchResult | undefined> {
  const out = path.join(runDir, `${benchmark}.json`)
  const common = ['--out', out, '--log-dir', runDir]
  const partArgs = {
    ws: [
      ...size('clients'),
      ...size('warmup'),
      ...size('steady'),
      '--workers',
      args['ws-workers'],
      '--ramp',
      args.ramp,
    ],
    api: [...size('duration'), ...size('connections')],
    fanout: [
      ...size('subscribers'),
      ...size('updates'),
      '--workers',
      args['fanout-workers'],
      '--ramp',
      args.ramp,
      '--pg-url',
      args['pg-url'],
      '--redis-url',
      args['redis-url'],
      '--redis-db',
      args['redis-db'],
    ],
  }[benchmark]
  const code = await run(path.join(HERE, `${benchmark}.ts`), [...partArgs, ...common])
  if (code !== 0) console.log(`${benchmark}: exited with ${code}`)
  return readResult(out)
}

function printTable(rows: Row[]): void {
  console.table(
    rows.map((r) => ({
      benchmark: r.benchmark,
      measure: r.measure,
      memepool: r.value,
      baseline: r.baseline,
      'baseline value': r.baselineValue,
      ratio: r.ratio ?? 'n/a',
      "others' CPU % (ours / baseline's)": r.othersPct,
    })),
  )
}

async function main() {
  mkdirSync(runDir, { recursive: true })
  stopChildrenOnExit()
  const machine = describeMachine()
  const results: BenchResult[] = []
  const failed: Benchmark[] = []
  for (const benchmark of BENCHMARKS) {
    if (!selected.includes(benchmark)) continue
    console.log(`\n=== ${benchmark} ===`)
    const started = Date.now()
    const result = benchmark === 'ledger' ? await runLedger() : await runPart(benchmark)
    console.log(`${benchmark}: ${((Date.now() - started) / 1000).toFixed(0)} s`)
    if (result) results.push(result)
    else failed.push(benchmark)
  }
  killChildren()
  const rows = results.flatMap((r) => r.rows)
  console.log(
    `\nScale benchmarks${args.quick ? ' (--quick sizes)' : ''}: ${machine.cores} × ${machine.cpu}, ${machine.memoryGb} GB, node ${machine.node}, open files ${machine.openFileLimit}`,
  )
  printTable(rows)
  if (failed.length > 0) console.log(`failed: ${failed.join(', ')} (see the output above and ${runDir})`)
  const output = {
    at: new Date().toISOString(),
    command: `npm run bench:scale -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    quick: args.quick,
    rows,
    failed,
    benchmarks: Object.fromEntries(results.map((r) => [r.benchmark, r.details])),
    runDir: path.relative(ROOT, runDir),
  }
  const jsonPath = path.resolve(ROOT, args.json)
  mkdirSync(path.dirname(jsonPath), { recursive: true })
  writeFileSync(jsonPath, `${JSON.stringify(output, null, 2)}\n`)
  console.log(`\nwrote ${path.relative(ROOT, jsonPath)} (logs and each part's figures in ${output.runDir})`)
  process.exit(failed.length > 0 ? 1 : 0)
}

await main()
