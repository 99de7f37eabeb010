import { describe, expect, it } from 'vitest'
import { versionsToThin } from '../../server/history/retention.js'
import type { VersionMeta } from '../../server/history/version-store.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const NOW = Date.UTC(2026, 10, 22, 12)

function version(id: number, ageMs: number, name: string | null = null): VersionMeta {
  return { id, docId: 'd' as never, createdAt: NOW - ageMs, name, authors: [], sizeBytes: 1 }
}

describe('version retention', () => {
  it('keeps every automatic version from the last day', () => {
    expect(
      versionsToThin(
        [1, 2, 3].map((i) => version(i, i * 60_000)),
        NOW,
      ),
    ).toEqual([])
  })

  it('keeps the newest automatic version of each hour for a month, then of each day', () => {
    const versions = [
      version(1, 2 * DAY + 10 * 60_000), // same hour as 2 (older): thinned
      version(2, 2 * DAY + 5 * 60_000),
      version(3, 2 * DAY + 3 * HOUR),
      version(4, 40 * DAY + 2 * HOUR), // same day as 5 (older): thinned
      version(5, 40 * DAY + 1 * HOUR),
      version(6, 10 * 60_000),
    ]
    const thinned = versionsToThin(versions, NOW)
    expect(thinned.sort()).toEqual([1, 4])
  })

  it('never thins named versions or the newest version', () => {
    const versions = [
      version(1, 50 * DAY, 'Before the rewrite'),
      version(2, 50 * DAY + 60_000, 'Draft'),
      version(3, 49 * DAY),
    ]
    expect(versionsToThin(versions, NOW)).toEqual([])
  })
})
