/**
 * Reads a V8 CPU profile (.cpuprofile) and says where the time went: self time per function and
 * per origin (the project's src/, contracts/, each package in node_modules, Node's own code,
 * garbage collection, idle). Used by bench/viewers.ts on the profile the probe records, and on
 * its own:   tsx bench/viewers/profile.ts <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

export interface ProfileEntry {
  name: string
  selfMs: number
  pct: number
}

export interface ProfileSummary {
  totalMs: number
  /** Time not idle: what the process spent working, as a share of the profile's duration. */
  busyPct: number
  byOrigin: ProfileEntry[]
  byFunction: ProfileEntry[]
}

function originOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(garbage collector)')
      return functionName
    return '(native)'
  }
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (modules) return modules[1]!
  if (url.startsWith('node:')) return 'node (internals)'
  const project = /\/(src|contracts|bench)\/(.*?)(?:\/[^/]+)?$/.exec(url)
  if (project) return `${project[1]}/${project[2]}`
  return url
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/')
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length)
  const project = /\/((?:src|contracts|bench)\/.*)$/.exec(url)
  return project ? project[1]! : url.replace(/^file:\/\//, '')
}

export function summarizeProfile(file: string, top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const selfUs = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const origins = new Map<string, number>()
  const functions = new Map<string, number>()
  let totalUs = 0
  let idleUs = 0
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id)!
    totalUs += us
    if (callFrame.functionName === '(idle)') idleUs += us
    const origin = originOf(callFrame.url, callFrame.functionName)
    origins.set(origin, (origins.get(origin) ?? 0) + us)
    const name = callFrame.url
      ? `${callFrame.functionName || '(anonymous)'} ${shortUrl(callFrame.url)}:${callFrame.lineNumber + 1}`
      : callFrame.functionName
    functions.set(name, (functions.get(name) ?? 0) + us)
  }
  const entries = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        selfMs: Math.round(us / 100) / 10,
        pct: Math.round((us / Math.max(1, totalUs)) * 1000) / 10,
      }))
  return {
    totalMs: Math.round(totalUs / 1000),
    busyPct: Math.round(((totalUs - idleUs) / Math.max(1, totalUs)) * 1000) / 10,
    byOrigin: entries(origins),
    byFunction: entries(functions),
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2]
  if (!file) {
    process.stderr.write('usage: tsx bench/viewers/profile.ts <file.cpuprofile> [top]\n')
    process.exit(2)
  }
  const summary = summarizeProfile(file, Number(process.argv[3] ?? 30))
  console.log(`profile: ${summary.totalMs} ms, busy ${summary.busyPct}%`)
  console.table(summary.byOrigin)
  console.table(summary.byFunction)
}
