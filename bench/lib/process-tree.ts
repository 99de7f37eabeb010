import { readdirSync, readFileSync } from 'node:fs'

/** Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel config. */
const CLOCK_TICKS_PER_S = 100

interface ProcEntry {
  ppid: number
  /** The executable's name as the kernel reports it (`comm`, at most 15 characters). */
  name: string
  cpuSeconds: number
}

function readProc(pid: number): ProcEntry | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may contain spaces and parentheses; fields after the last ')' are fixed.
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S
    return { ppid: Number(fields[1]), name, cpuSeconds }
  } catch {
    // The process exited between the directory listing and the read.
    return null
  }
}

/**
 * CPU seconds used so far by every live descendant of `rootPid` whose name matches `name`, by pid
 * (the whole tree is walked, so a wrapper script in between does not hide its children).
 */
export function descendantCpu(rootPid: number, name: RegExp): Map<number, number> {
  const all = new Map<number, ProcEntry>()
  for (const entryName of readdirSync('/proc')) {
    if (!/^\d+$/.test(entryName)) continue
    const entry = readProc(Number(entryName))
    if (entry) all.set(Number(entryName), entry)
  }
  const children = new Map<number, number[]>()
  for (const [pid, { ppid }] of all) children.set(ppid, [...(children.get(ppid) ?? []), pid])
  const result = new Map<number, number>()
  const stack = [...(children.get(rootPid) ?? [])]
  while (stack.length > 0) {
    const pid = stack.pop()!
    const entry = all.get(pid)!
    if (name.test(entry.name)) result.set(pid, entry.cpuSeconds)
    stack.push(...(children.get(pid) ?? []))
  }
  return result
}

/**
 * CPU seconds between two descendantCpu() snapshots, summed per pid present at the end (a process
 * started in between counts from zero); a process that exited in between is not counted.
 */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0)
  return total
}
