import { readFileSync } from 'node:fs'

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
