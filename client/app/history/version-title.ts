import type { VersionSummary } from '../docs-api.js'
import { fullDate } from '../../editor/relative-time.js'

/** A version's name, or its date for an unnamed one. */
export function versionTitle(version: VersionSummary): string {
  return version.name ?? `Version of ${fullDate(version.createdAt)}`
}
