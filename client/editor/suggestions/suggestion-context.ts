import type { Mark, MarkType, Node as PMNode, Schema } from '@tiptap/pm/model'
import { SuggestionMarkName, type SuggestionAttrs } from '../../../shared/suggestions/suggestion-marks.js'

/** Who suggests: the author's id (as comments use it) and the name cards show. */
export interface SuggestionAuthor {
  id: string
  name: string
}

/** Thrown by a step handler for an edit suggestions cannot express; the whole transaction is then refused. */
export class SuggestionRefused extends Error {
  constructor(reason: string) {
    super(`suggesting cannot express this edit: ${reason}`)
    this.name = 'SuggestionRefused'
  }
}

/** One suggesting transaction's author, time and (lazily made) new suggestion id. */
export class SuggestionContext {
  private fresh: string | null = null

  constructor(
    readonly author: SuggestionAuthor,
    readonly at: number,
    private readonly makeId: (authorId: string) => string,
  ) {}

  /** The id a new suggestion of this transaction gets: one per transaction, so one edit is one suggestion. */
  newId(): string {
    this.fresh ??= this.makeId(this.author.id)
    return this.fresh
  }

  /** The attrs of this author's suggestion mark with `id` (made at `at`, this transaction's time by default). */
  attrs(id: string, at: number = this.at): SuggestionAttrs {
    return { id, author: this.author.id, authorName: this.author.name, at }
  }

  isOwn(mark: Mark | null | undefined): boolean {
    return !!mark && (mark.attrs as SuggestionAttrs).author === this.author.id
  }
}

/**
 * A new suggestion id: `<authorId>:<random>` (random, so two people's new suggestions never share
 * one, as the library's "highest id + 1" did), within SUGGESTION_ID_PATTERN: author characters the
 * pattern lacks become `_` (the mark's `author` attr keeps the exact id).
 */
export function newSuggestionId(authorId: string): string {
  // getRandomValues, not randomUUID: the latter needs a secure context (plain-http deployments).
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8))
  const random = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
  return `${authorId.replace(/[^\w:.-]/g, '_').slice(0, 100)}:${random}`
}

export interface SuggestionMarkTypes {
  insertion: MarkType
  deletion: MarkType
  format: MarkType
}

export function suggestionMarkTypes(schema: Schema): SuggestionMarkTypes {
  const insertion = schema.marks[SuggestionMarkName.Insertion]
  const deletion = schema.marks[SuggestionMarkName.Deletion]
  const format = schema.marks[SuggestionMarkName.Format]
  if (!insertion || !deletion || !format) throw new Error('the schema has no suggestion marks')
  return { insertion, deletion, format }
}

/** A node the transform never creates, removes or crosses: table structure. */
export function isTableStructure(node: PMNode): boolean {
  return typeof node.type.spec.tableRole === 'string'
}
