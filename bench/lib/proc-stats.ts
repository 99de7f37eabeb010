import { readdirSync, readFileSync } from 'node:fs'

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel config. */
const CLOCK_TICKS_PER_S = 100

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may contain spaces and parentheses; fields after the last ')' are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return (utime + stime) / CLOCK_TICKS_PER_S
}

export interface MemoryStats {
  /** Resident set size now, bytes. */
  rssBytes: number
  /** Peak resident set size since start, bytes. */
  peakRssBytes: number
}

/** VmRSS and VmHWM from /proc/<pid>/status. */
export function memoryStats(pid: number): MemoryStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)
    return match ? Number(match[1]) * 1024 : Number.NaN
  }
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') }
}

/** One thread's scheduler accounting: time on a CPU (exact, from schedstat) and how often it was put on one. */
export interface ThreadTime {
  cpuNs: number
  runs: number
  /** The thread's name (`comm`): `node` for the main thread, `V8 DefaultWorke` for V8's platform threads, a worker's name. */
  name: string
}

/** Every thread of `pid` by thread id, from /proc/<pid>/task/<tid>/schedstat. */
export function threadTimes(pid: number): Map<number, ThreadTime> {
  const threads = new Map<number, ThreadTime>()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [cpuNs, , runs] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(' ').map(Number)
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
      threads.set(Number(tid), { cpuNs: cpuNs ?? 0, runs: runs ?? 0, name })
    } catch {
      // The thread ended between the listing and the read: its time is gone with it.
    }
  }
  return threads
}

/**
 * How a server's CPU splits between its main (event-loop) thread and every other thread (V8's GC
 * helpers, libuv's pool, worker threads such as Tandem's SQLite writer), and how many times its
 * threads were woken to run. On a VM every wake-up carries a fixed cost (here 100–300 µs after
 * 10 ms of idle, against ~20 µs for the same SQLite commit run back to back), so the count explains
 * CPU figures that per-function profiles do not.
 */
export interface ThreadSplit {
  mainCpuS: number
  otherCpuS: number
  runs: number
  /** CPU seconds by thread name (threads of one name summed): says which of the "other" threads worked. */
  cpuSByName: Record<string, number>
}

/** The split between two `threadTimes` readings of the same process. */
export function threadSplit(pid: number, before: Map<number, ThreadTime>, after: Map<number, ThreadTime>): ThreadSplit {
  const split: ThreadSplit = { mainCpuS: 0, otherCpuS: 0, runs: 0, cpuSByName: {} }
  const ids = [...after.keys()].sort((a, b) => a - b)
  const rankOf = (tid: number): number => ids.indexOf(tid)
  for (const [tid, now] of after) {
    const then = before.get(tid) ?? { cpuNs: 0, runs: 0, name: now.name }
    const cpuS = (now.cpuNs - then.cpuNs) / 1e9
    if (tid === pid) split.mainCpuS += cpuS
    else split.otherCpuS += cpuS
    split.runs += now.runs - then.runs
    // Node names no thread but the main one apart (all are `node`): the thread's rank by id (its
    // start order: V8's platform threads first, then libuv's pool and worker threads) tells them apart.
    const name = tid === pid ? '(main)' : `${now.name}#${rankOf(tid)}`
    split.cpuSByName[name] = (split.cpuSByName[name] ?? 0) + cpuS
  }
  return split
}
