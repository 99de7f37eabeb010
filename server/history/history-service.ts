import * as Y from 'yjs'
import { ErrorCode, SyncError } from '../../shared/errors.js'
import type { DocId } from '../../shared/ids.js'
import type { ContentFormat } from '../content/formats.js'
import { absoluteImageUrls } from '../content/image-urls.js'
import type { Logger } from '../logger.js'
import type { DocStore } from '../storage/doc-store.js'
import type { DocRoom } from '../sync/doc-room.js'
import { LocalOrigin } from '../sync/origins.js'
import type { RoomHooks, RoomRegistry } from '../sync/room-registry.js'
import { mergeAttribution, type Attribution } from './attribution.js'
import { versionsToThin, type RetentionPolicy } from './retention.js'
import type { VersionComparison } from './version-comparison.js'
import { decodeVersionRecord, encodeVersionRecord } from './version-record.js'
import { VersionRecorder, type RecorderTiming } from './version-recorder.js'
import type { VersionMeta, VersionStore } from './version-store.js'

const converters = () => import('../content/convert.js')
const comparisons = () => import('./version-comparison.js')

/** The later side of a comparison: another version, or the document as it is now. */
export const CURRENT = 'current'
export type ComparisonTarget = number | typeof CURRENT

/** Two versions (or a version and now) compared: which is older, which newer, and what changed. */
export interface ComparisonResult extends VersionComparison {
  older: VersionMeta
  /** null: the document as it is now. */
  newer: VersionMeta | null
}

export const MAX_VERSION_NAME_LENGTH = 100

export interface HistoryOptions {
  versions: VersionStore
  store: DocStore
  timing: RecorderTiming
  retention?: RetentionPolicy
  log: Logger
  now?: () => number
}

/**
 * Version history: records versions of open documents (through one VersionRecorder per room),
 * lists, renders, names, deletes and restores them. A restore is an ordinary change made through
 * the live room, so every connected client sees it at once and nothing after it is lost.
 */
export class HistoryService {
  private readonly recorders = new Map<DocRoom, VersionRecorder>()
  private registry: RoomRegistry | null = null
  private readonly now: () => number

  constructor(private readonly options: HistoryOptions) {
    this.now = options.now ?? Date.now
  }

  /** Hooks for the room registry: a recorder follows each open room. */
  readonly roomHooks: RoomHooks = {
    loaded: (room) => {
      this.recorders.set(
        room,
        new VersionRecorder(
          room,
          this.options.timing,
          (r, name, authors, attribution) => this.save(r, name, authors, attribution),
          this.options.log,
          this.now,
        ),
      )
    },
    unloading: async (room) => {
      const recorder = this.recorders.get(room)
      this.recorders.delete(room)
      await recorder?.stop()
    },
  }

  /** The registry is created with our hooks, so it is attached afterwards. */
  attach(registry: RoomRegistry): void {
    this.registry = registry
  }

  async list(docId: DocId): Promise<VersionMeta[]> {
    await this.requireDocument(docId)
    return this.options.versions.list(docId)
  }

  /** With `imageBaseUrl`, Markdown and HTML give uploaded images absolute URLs under it, like a document export. */
  async render(
    docId: DocId,
    id: number,
    format: ContentFormat,
    imageBaseUrl?: string,
  ): Promise<{ meta: VersionMeta; body: string }> {
    const { meta, state } = await this.requireVersion(docId, id)
    const { docToJSON, renderJSON } = await converters()
    const doc = new Y.Doc()
    try {
      Y.applyUpdate(doc, state)
      const json = docToJSON(doc)
      const withImages =
        imageBaseUrl !== undefined && (format === 'markdown' || format === 'html')
          ? absoluteImageUrls(json, imageBaseUrl)
          : json
      return { meta, body: renderJSON(withImages, format) }
    } finally {
      doc.destroy()
    }
  }

  /**
   * What changed from version `id` to `target` (another version, either side, or now), with who
   * made each change. The older of the two is always the starting point.
   */
  async compare(docId: DocId, id: number, target: ComparisonTarget): Promise<ComparisonResult> {
    const first = await this.requireVersion(docId, id)
    let older = first
    let newer: { meta: VersionMeta | null; state: Uint8Array; attribution: Attribution | null }
    if (target === CURRENT) {
      newer = await this.withRecorder(docId, async (recorder, room) => {
        // State and unrecorded attribution together, before anything else can change the room.
        const state = Y.encodeStateAsUpdate(room.doc)
        const unrecorded = recorder.unrecordedAttribution
        return { meta: null, state, attribution: mergeAttribution(await this.newestAttribution(docId), unrecorded) }
      })
    } else {
      const second = await this.requireVersion(docId, target)
      const isFirstOlder =
        first.meta.createdAt < second.meta.createdAt ||
        (first.meta.createdAt === second.meta.createdAt && first.meta.id <= second.meta.id)
      older = isFirstOlder ? first : second
      newer = isFirstOlder ? second : first
    }
    const { compareForDisplay } = await comparisons()
    return {
      older: older.meta,
      newer: newer.meta,
      ...compareForDisplay(older.state, newer.state, newer.attribution),
    }
  }

  /** Records the document as it is now, under `name`. */
  async createNamed(docId: DocId, name: string): Promise<VersionMeta> {
    const checked = checkName(name)
    return this.withRecorder(docId, async (recorder) => (await recorder.recordNow(checked)) as VersionMeta)
  }

  async setName(docId: DocId, id: number, name: string | null): Promise<VersionMeta> {
    await this.requireVersion(docId, id)
    const meta = await this.options.versions.setName(docId, id, name === null ? null : checkName(name))
    if (!meta) throw notFound(docId, id)
    return meta
  }

  /** Deletes an automatic version; named ones are kept until their name is removed. */
  async deleteAutomatic(docId: DocId, id: number): Promise<void> {
    const { meta } = await this.requireVersion(docId, id)
    if (meta.name !== null) {
      throw new SyncError(
        ErrorCode.BadRequest,
        `version ${id} is named "${meta.name}"; remove its name before deleting it`,
      )
    }
    await this.options.versions.remove(docId, [id])
  }

  /**
   * Makes the document equal to version `id` through an ordinary update. The state just before is
   * saved as a named version first, so the restore itself can be undone by restoring that one.
   */
  async restore(docId: DocId, id: number): Promise<{ before: VersionMeta; restored: VersionMeta }> {
    const { meta, state } = await this.requireVersion(docId, id)
    const { docToJSON, replaceContent, STORED_SUGGESTIONS } = await converters()
    const old = new Y.Doc()
    Y.applyUpdate(old, state)
    // The version as it was, pending suggestions included: restoring is not reviewing.
    const json = docToJSON(old, { suggestions: STORED_SUGGESTIONS })
    old.destroy()
    return this.withRecorder(docId, async (recorder, room) => {
      const label = new Date(meta.createdAt).toISOString().replace('T', ' ').slice(0, 16)
      const before = (await recorder.recordNow(
        `Before restoring ${meta.name ?? `version of ${label} UTC`}`,
      )) as VersionMeta
      replaceContent(room.doc, json, LocalOrigin)
      await room.flush()
      return { before, restored: meta }
    })
  }

  /** Removes the history of a deleted document. */
  removeAll(docId: DocId): Promise<void> {
    return this.options.versions.removeAll(docId)
  }

  private async save(
    room: DocRoom,
    name: string | null,
    authors: string[],
    attribution: Attribution,
  ): Promise<VersionMeta> {
    const { versions, log } = this.options
    // The state first, together with the attribution the recorder just took for it.
    const state = Y.encodeStateAsUpdate(room.doc)
    // A version's attribution covers everything before it (attribution.ts): the newest one's plus
    // what this instance saw since. Read back from storage, so other instances' versions count too.
    const cumulative = mergeAttribution(await this.newestAttribution(room.docId), attribution)
    const meta = await versions.add(room.docId, {
      state: encodeVersionRecord(state, cumulative),
      name,
      authors,
      createdAt: this.now(),
    })
    log.debug({ docId: room.docId, versionId: meta.id, named: name !== null }, 'version recorded')
    const thinned = versionsToThin(await versions.list(room.docId), this.now(), this.options.retention)
    if (thinned.length > 0) await versions.remove(room.docId, thinned)
    return meta
  }

  private async withRecorder<T>(
    docId: DocId,
    work: (recorder: VersionRecorder, room: DocRoom) => Promise<T>,
  ): Promise<T> {
    await this.requireDocument(docId)
    if (!this.registry) throw new Error('HistoryService used before attach(registry)')
    return this.registry.withRoom(docId, (room) => {
      const recorder = this.recorders.get(room)
      if (!recorder) throw new Error(`no version recorder for open room ${docId}`)
      return work(recorder, room)
    })
  }

  private async requireDocument(docId: DocId): Promise<void> {
    if (!(await this.options.store.info(docId))) {
      throw new SyncError(ErrorCode.NotFound, `document ${docId} does not exist`)
    }
  }

  /** The attribution stored with the newest version, if any. */
  private async newestAttribution(docId: DocId): Promise<Attribution | null> {
    const [newest] = await this.options.versions.list(docId)
    const found = newest ? await this.options.versions.get(docId, newest.id) : null
    return found ? decodeVersionRecord(found.state).attribution : null
  }

  private async requireVersion(
    docId: DocId,
    id: number,
  ): Promise<{ meta: VersionMeta; state: Uint8Array; attribution: Attribution | null }> {
    await this.requireDocument(docId)
    const found = Number.isSafeInteger(id) ? await this.options.versions.get(docId, id) : null
    if (!found) throw notFound(docId, id)
    return { meta: found.meta, ...decodeVersionRecord(found.state) }
  }
}

function notFound(docId: DocId, id: number): SyncError {
  return new SyncError(ErrorCode.NotFound, `document ${docId} has no version ${id}`)
}

function checkName(name: string): string {
  const trimmed = name.trim()
  if (!trimmed) throw new SyncError(ErrorCode.BadRequest, 'a version name cannot be empty')
  if (trimmed.length > MAX_VERSION_NAME_LENGTH) {
    throw new SyncError(ErrorCode.BadRequest, `a version name is at most ${MAX_VERSION_NAME_LENGTH} characters`)
  }
  return trimmed
}
