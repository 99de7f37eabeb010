import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'

/** A Yjs delete set (the class is not exported; its type is, through Transaction). */
export type DeleteSet = Y.Transaction['deleteSet']

/**
 * Who made which part of a document, as the server saw it: enough to tell, for any two versions,
 * who inserted and who deleted each piece of text.
 *
 * - `inserted`: Yjs client id → author name. Every item a client id created is that author's
 *   (a client id is one browser session's Y.Doc, so it belongs to one person).
 * - `deleted`: author name → the ids of the items they deleted. Yjs itself does not record who
 *   deleted what (deleting makes no item of the deleter's), so the server keeps it.
 * - `colors`: the colour each author showed in, so history marks their changes as their caret was.
 *
 * Versions store it cumulatively (version-record.ts): the attribution of a version covers every
 * change up to it, so comparing any two versions needs only the newer one's.
 */
export interface Attribution {
  inserted: Map<number, string>
  deleted: Map<string, DeleteSet>
  /** Author name → the colour they last showed in (their presence's), to mark their changes with. */
  colors: Map<string, string>
}

export function emptyAttribution(): Attribution {
  return { inserted: new Map(), deleted: new Map(), colors: new Map() }
}

/** `later` over `earlier`: an insertion keeps its first known author, deletions add up, the later colour wins. */
export function mergeAttribution(earlier: Attribution | null, later: Attribution): Attribution {
  if (!earlier) return later
  const inserted = new Map(earlier.inserted)
  for (const [client, author] of later.inserted) if (!inserted.has(client)) inserted.set(client, author)
  const deleted = new Map(earlier.deleted)
  for (const [author, ds] of later.deleted) {
    const before = deleted.get(author)
    deleted.set(author, before ? Y.mergeDeleteSets([before, ds]) : ds)
  }
  return { inserted, deleted, colors: new Map([...earlier.colors, ...later.colors]) }
}

/** Bumped when the encoding changes; decoding an unknown one gives no attribution. */
const ENCODING_VERSION = 1

export function encodeAttribution(attribution: Attribution): Uint8Array {
  const names = [
    ...new Set([...attribution.inserted.values(), ...attribution.deleted.keys(), ...attribution.colors.keys()]),
  ]
  const index = new Map(names.map((name, i) => [name, i]))
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, ENCODING_VERSION)
  encoding.writeVarUint(encoder, names.length)
  for (const name of names) encoding.writeVarString(encoder, name)
  encoding.writeVarUint(encoder, attribution.inserted.size)
  for (const [client, author] of attribution.inserted) {
    encoding.writeVarUint(encoder, client)
    encoding.writeVarUint(encoder, index.get(author) ?? 0)
  }
  encoding.writeVarUint(encoder, attribution.deleted.size)
  for (const [author, ds] of attribution.deleted) {
    encoding.writeVarUint(encoder, index.get(author) ?? 0)
    // A snapshot with an empty state vector is how Yjs's public API encodes a bare delete set.
    encoding.writeVarUint8Array(encoder, Y.encodeSnapshot(Y.createSnapshot(ds, new Map())))
  }
  encoding.writeVarUint(encoder, attribution.colors.size)
  for (const [author, color] of attribution.colors) {
    encoding.writeVarUint(encoder, index.get(author) ?? 0)
    encoding.writeVarString(encoder, color)
  }
  return encoding.toUint8Array(encoder)
}

/** The attribution encodeAttribution wrote; null for bytes it cannot read (never a throw). */
export function decodeAttribution(bytes: Uint8Array): Attribution | null {
  try {
    const decoder = decoding.createDecoder(bytes)
    if (decoding.readVarUint(decoder) !== ENCODING_VERSION) return null
    const names: string[] = []
    for (let n = decoding.readVarUint(decoder); n > 0; n--) names.push(decoding.readVarString(decoder))
    const attribution = emptyAttribution()
    for (let n = decoding.readVarUint(decoder); n > 0; n--) {
      const client = decoding.readVarUint(decoder)
      const author = names[decoding.readVarUint(decoder)]
      if (author !== undefined) attribution.inserted.set(client, author)
    }
    for (let n = decoding.readVarUint(decoder); n > 0; n--) {
      const author = names[decoding.readVarUint(decoder)]
      const ds = Y.decodeSnapshot(decoding.readVarUint8Array(decoder)).ds
      if (author !== undefined) attribution.deleted.set(author, ds)
    }
    for (let n = decoding.readVarUint(decoder); n > 0; n--) {
      const author = names[decoding.readVarUint(decoder)]
      const color = decoding.readVarString(decoder)
      if (author !== undefined) attribution.colors.set(author, color)
    }
    return attribution
  } catch {
    return null
  }
}

/**
 * Collects the attribution of one document's changes as they are applied: each transaction's new
 * items belong to the author of its origin, and so do the items it deleted. `authorOf` names the
 * origin's author; it returns null for origins that are not edits (loads from storage, changes
 * another instance made and records itself). `colorOf` gives the colour that author shows in, if any.
 */
export class AttributionTracker {
  private pending = emptyAttribution()
  private pendingDeletes = new Map<string, DeleteSet[]>()

  constructor(
    private readonly doc: Y.Doc,
    private readonly authorOf: (origin: unknown) => string | null,
    private readonly colorOf: (origin: unknown) => string | null = () => null,
  ) {
    doc.on('afterTransaction', this.onTransaction)
  }

  /** What was collected since the last take, and starts afresh. */
  take(): Attribution {
    const collected = this.peek()
    this.pending = emptyAttribution()
    this.pendingDeletes.clear()
    return collected
  }

  /** What was collected since the last take. */
  peek(): Attribution {
    for (const [author, sets] of this.pendingDeletes) {
      const before = this.pending.deleted.get(author)
      this.pending.deleted.set(author, Y.mergeDeleteSets(before ? [before, ...sets] : sets))
    }
    this.pendingDeletes.clear()
    return {
      inserted: new Map(this.pending.inserted),
      deleted: new Map(this.pending.deleted),
      colors: new Map(this.pending.colors),
    }
  }

  stop(): void {
    this.doc.off('afterTransaction', this.onTransaction)
  }

  private readonly onTransaction = (transaction: Y.Transaction): void => {
    let author: string | null | undefined
    const authorOnce = () => {
      if (author !== undefined) return author
      author = this.authorOf(transaction.origin)
      const color = author === null ? null : this.colorOf(transaction.origin)
      if (author !== null && color !== null) this.pending.colors.set(author, color)
      return author
    }
    for (const [client, clock] of transaction.afterState) {
      if (clock <= (transaction.beforeState.get(client) ?? 0) || this.pending.inserted.has(client)) continue
      const name = authorOnce()
      if (name === null) return
      this.pending.inserted.set(client, name)
    }
    if (transaction.deleteSet.clients.size === 0) return
    const name = authorOnce()
    if (name === null) return
    // Merged lazily (peek): a merge per keystroke would cost the size of all deletions so far.
    const sets = this.pendingDeletes.get(name) ?? []
    sets.push(transaction.deleteSet)
    this.pendingDeletes.set(name, sets)
  }
}
