import { VERSION_KEEP_ALL_MS, VERSION_KEEP_HOURLY_MS } from '../../shared/limits.js'
import type { VersionMeta } from './version-store.js'

const HOUR_MS = 60 * 60_000
const DAY_MS = 24 * HOUR_MS

export interface RetentionPolicy {
  /** Automatic versions younger than this are all kept. */
  keepAllMs: number
  /** Up to this age, the newest automatic version of each hour is kept; beyond it, of each day. */
  keepHourlyMs: number
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  keepAllMs: VERSION_KEEP_ALL_MS,
  keepHourlyMs: VERSION_KEEP_HOURLY_MS,
}

/**
 * The ids of automatic versions that retention thins out. Named versions and the newest version
 * are never chosen, so a quiet document keeps at least its latest state.
 */
export function versionsToThin(versions: VersionMeta[], now: number, policy = DEFAULT_RETENTION): number[] {
  const newestFirst = [...versions].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id)
  const keptBuckets = new Set<string>()
  const thinned: number[] = []
  newestFirst.forEach((version, index) => {
    if (version.name !== null || index === 0) return
    const age = now - version.createdAt
    if (age < policy.keepAllMs) return
    const bucket =
      age < policy.keepHourlyMs
        ? `h${Math.floor(version.createdAt / HOUR_MS)}`
        : `d${Math.floor(version.createdAt / DAY_MS)}`
    if (keptBuckets.has(bucket)) thinned.push(version.id)
    else keptBuckets.add(bucket)
  })
  return thinned
}
