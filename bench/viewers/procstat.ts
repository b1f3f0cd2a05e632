/**
 * CPU and memory of other processes, from /proc (Linux): CPU time is utime + stime of
 * /proc/<pid>/stat in clock ticks, memory is VmRSS of /proc/<pid>/status.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

let ticksPerSecond: number | undefined

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

/** CPU seconds (user + system) a process, or one of its threads, has used; undefined once it is gone. */
export function cpuSeconds(pid: number, tid?: number): number | undefined {
  try {
    const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`
    const text = readFileSync(file, 'utf8')
    // The command name may contain spaces and parentheses: fields are counted after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks()
  } catch {
    return undefined
  }
}

export function rssMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) / 1024 : undefined
  } catch {
    return undefined
  }
}

/** Processes whose command name is `name` (e.g. every postgres backend). */
export function pidsNamed(name: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry))
    } catch {
      // Gone meanwhile.
    }
  }
  return pids
}

/**
 * PostgreSQL processes working for `database`: its backends (whose title names the database)
 * and the shared background processes (checkpointer, WAL writer, ...), not other databases'
 * backends (a test suite running beside the benchmark).
 */
export function postgresPidsFor(database: string): number[] {
  const pids: number[] = []
  for (const pid of pidsNamed('postgres')) {
    try {
      const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()
      const rest = title.replace(/^postgres: [^:]+: /, '')
      // Another database's client backend ("user db host state") or autovacuum worker: not ours.
      const otherBackend =
        /^\S+ \S+ (\d+\.\d+\.\d+\.\d+|\[local\])/.test(rest) || rest.startsWith('autovacuum worker')
      if (rest.includes(database) || !otherBackend) pids.push(pid)
    } catch {
      // Gone meanwhile.
    }
  }
  return pids
}

/** CPU seconds of a group of processes, counting only those still alive at both ends of a delta. */
export function cpuSecondsOf(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>()
  for (const pid of pids) {
    const s = cpuSeconds(pid)
    if (s !== undefined) out.set(pid, s)
  }
  return out
}

export function deltaCpu(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0
  for (const [pid, end] of after) {
    const start = before.get(pid)
    if (start !== undefined) total += end - start
  }
  return total
}

/** The open-file limit of a process (soft), from /proc/<pid>/limits. */
export function openFileLimit(pid: number | 'self' = 'self'): number | undefined {
  try {
    const match = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined
  }
}

export function openFiles(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length
  } catch {
    return undefined
  }
}

/** CPU seconds the whole machine has spent busy and in all, over every core (/proc/stat). */
export function machineCpuSeconds(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const v = line.trim().split(/\s+/).slice(1).map(Number)
  const idle = (v[3] ?? 0) + (v[4] ?? 0)
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0)
  return { busy: (total - idle) / clockTicks(), total: total / clockTicks() }
}
