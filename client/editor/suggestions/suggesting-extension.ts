import {
  Extension,
  getExtensionField,
  getSchemaTypeByName,
  type AnyConfig,
  type Editor,
  type RawCommands,
} from '@tiptap/core'
import type { Node as PMNode } from '@tiptap/pm/model'
import { Plugin, PluginKey, type Transaction } from '@tiptap/pm/state'
import { ySyncPluginKey } from '@tiptap/y-tiptap'
import { acceptSuggestions, rejectSuggestions } from '../../../shared/suggestions/suggestions.js'
import type { SuggestionAuthor } from './suggestion-context.js'
import { suggestTransaction } from './suggest-transaction.js'

export interface SuggestingOptions {
  /** Who suggests: their id (the `author` of every mark they make) and display name. */
  author: SuggestionAuthor
  /** Start in Suggesting mode. */
  enabled: boolean
  /** Told when an edit is refused because suggestions cannot express it (for a notice). */
  onRefused?: (reason: string) => void
}

export interface SuggestingStorage {
  /** True while in Suggesting mode: edits become suggestions. */
  enabled: boolean
  /** The last rewrite dispatched (see isReplayOf). */
  lastSuggested: SuggestedSteps | null
  /** Told when an edit is dropped because it cannot be a suggestion (the UI shows why); set by the app. */
  onRefused: ((reason: string) => void) | null
}

interface SuggestedSteps {
  before: PMNode
  steps: string
}

function stepsJSON(tr: Transaction): string {
  return JSON.stringify(tr.steps.map((step) => step.toJSON()))
}

/**
 * Tiptap's keyboardShortcut command captures the transaction a key handler dispatched (already
 * rewritten) and dispatches its steps again in a new transaction, without the meta: the same
 * steps on the same document are that rewrite, not a new edit to rewrite again.
 */
function isReplayOf(last: SuggestedSteps | null, tr: Transaction): boolean {
  return !!last && last.before === tr.before && last.steps === stepsJSON(tr)
}

declare module '@tiptap/core' {
  interface Commands<ReturnType> {
    suggesting: {
      /** Switches Suggesting mode on or off (per editor; not shared). */
      setSuggesting: (enabled: boolean) => ReturnType
      /** Accepts one suggestion (by id): an ordinary edit, undoable by whoever does it. False when there is none. */
      acceptSuggestion: (id: string) => ReturnType
      /** Rejects one suggestion (by id). False when there is none. */
      rejectSuggestion: (id: string) => ReturnType
      acceptAllSuggestions: () => ReturnType
      rejectAllSuggestions: () => ReturnType
    }
  }
  interface Storage {
    suggesting: SuggestingStorage
  }
}

/** Marks this plugin's own transactions: rewritten suggestions, mode switches, accept and reject. */
export const suggestingKey = new PluginKey<null>('suggesting')

/** What a transaction's suggesting meta says. */
interface SuggestingMeta {
  /** Already a suggestion (the rewrite of a user's edit). */
  suggested?: boolean
  /** Apply as it is: accept, reject, mode switch. */
  skip?: boolean
}

/**
 * Commands whose steps suggestions cannot express (table structure, block types, list nesting,
 * atoms): in Suggesting mode they return false, so toolbars show them disabled and keymaps fall
 * through, instead of the edit being dropped at dispatch.
 */
export const COMMANDS_REFUSED_WHILE_SUGGESTING = [
  'insertTable',
  'addColumnBefore',
  'addColumnAfter',
  'deleteColumn',
  'addRowBefore',
  'addRowAfter',
  'deleteRow',
  'deleteTable',
  'mergeCells',
  'splitCell',
  'mergeOrSplit',
  'toggleHeaderColumn',
  'toggleHeaderRow',
  'toggleHeaderCell',
  'setCellAttribute',
  'fixTables',
  'setHeading',
  'toggleHeading',
  'setParagraph',
  'toggleBulletList',
  'toggleOrderedList',
  'toggleTaskList',
  'sinkListItem',
  'liftListItem',
  'setBlockquote',
  'toggleBlockquote',
  'unsetBlockquote',
  'setCodeBlock',
  'toggleCodeBlock',
  'setHorizontalRule',
  'setHardBreak',
  'insertImages',
] as const

/**
 * The text an input rule's transaction replaced its match with (Tiptap's input rules record
 * `{ transform, from, to, text }` under their plugin's key), or null for any other transaction.
 */
function typedByInputRule(tr: Transaction): { from: number; to: number; text: string } | null {
  // Transaction keeps its metadata in a private field with no enumeration API.
  const meta = (tr as unknown as { meta: Record<string, unknown> }).meta
  for (const value of Object.values(meta)) {
    if (typeof value !== 'object' || value === null) continue
    const { transform, from, to, text } = value as Record<string, unknown>
    if (transform && typeof from === 'number' && typeof to === 'number' && typeof text === 'string') {
      return { from, to, text }
    }
  }
  return null
}

/** Remote changes and Yjs undo/redo are already what they are: never rewritten. */
function isRemoteOrUndo(tr: Transaction): boolean {
  const ySync = (tr.getMeta(ySyncPluginKey) ?? {}) as { isChangeOrigin?: boolean; isUndoRedoOperation?: boolean }
  return ySync.isChangeOrigin === true || ySync.isUndoRedoOperation === true
}

function suggestingMeta(tr: Transaction): SuggestingMeta {
  return (tr.getMeta(suggestingKey) ?? {}) as SuggestingMeta
}

/**
 * Suggesting mode (issue 17, docs/design/suggestions.md). While enabled, every local edit is
 * rewritten (dispatchTransaction) into suggestion marks of `author`; edits that cannot be
 * expressed are refused. Place it after the content extensions: its versions of the commands in
 * COMMANDS_REFUSED_WHILE_SUGGESTING must override theirs.
 *
 * Plugins that edit through appendTransaction (trailing node, autolink, paste rules, table
 * fixing, clear-document) bypass dispatch: while suggesting their document changes are filtered
 * out (a comment-role user's client would otherwise send edits the server refuses).
 */
export const Suggesting = Extension.create<SuggestingOptions, SuggestingStorage>({
  name: 'suggesting',
  // Below the content extensions (100), so this extension's command wrappers win.
  priority: 90,

  addOptions() {
    return { author: { id: 'anonymous', name: 'Anonymous' }, enabled: false, onRefused: undefined }
  },

  addStorage() {
    return { enabled: this.options.enabled, lastSuggested: null, onRefused: null }
  },

  addCommands() {
    const storage = this.storage
    const options = this.options
    const decide =
      (decision: typeof acceptSuggestions, id?: string) =>
      () =>
      ({ tr, dispatch }: { tr: Transaction; dispatch?: unknown }) => {
        const before = tr.steps.length
        decision(tr, id === undefined ? undefined : (suggestion) => suggestion.id === id)
        if (tr.steps.length === before) return false
        if (dispatch) tr.setMeta(suggestingKey, { skip: true } satisfies SuggestingMeta)
        return true
      }
    return {
      ...refusingWhileSuggesting(
        this.editor,
        this.name,
        () => storage.enabled,
        (command) => {
          const reason = `${command} cannot be a suggestion`
          options.onRefused?.(reason)
          storage.onRefused?.(reason)
        },
      ),
      setSuggesting:
        (enabled: boolean) =>
        ({ tr, dispatch }) => {
          if (dispatch) {
            storage.enabled = enabled
            tr.setMeta(suggestingKey, { skip: true } satisfies SuggestingMeta)
          }
          return true
        },
      acceptSuggestion: (id: string) => decide(acceptSuggestions, id)(),
      rejectSuggestion: (id: string) => decide(rejectSuggestions, id)(),
      acceptAllSuggestions: decide(acceptSuggestions),
      rejectAllSuggestions: decide(rejectSuggestions),
    }
  },

  dispatchTransaction({ transaction, next }) {
    if (
      !this.storage.enabled ||
      !transaction.docChanged ||
      isRemoteOrUndo(transaction) ||
      suggestingMeta(transaction).skip === true
    ) {
      next(transaction)
      return
    }
    if (isReplayOf(this.storage.lastSuggested, transaction)) {
      next(transaction.setMeta(suggestingKey, { suggested: true } satisfies SuggestingMeta))
      return
    }
    const onRefused = (reason: string) => {
      this.options.onRefused?.(reason)
      this.storage.onRefused?.(reason)
    }
    const options = { author: this.options.author, onRefused }
    let suggested = suggestTransaction(transaction, this.editor.state, options)
    // An input rule ("# ", "- ") that changes structure: keep the keystroke, as a suggestion.
    const typed = suggested ? null : typedByInputRule(transaction)
    if (typed) {
      const fallback = this.editor.state.tr.insertText(typed.text, typed.from, typed.to)
      suggested = suggestTransaction(fallback, this.editor.state, options)
    }
    // Refused: the edit is dropped (the document stays as it is).
    if (!suggested) return
    this.storage.lastSuggested = { before: suggested.before, steps: stepsJSON(suggested) }
    next(suggested.setMeta(suggestingKey, { suggested: true } satisfies SuggestingMeta))
  },

  addProseMirrorPlugins() {
    const storage = this.storage
    return [
      new Plugin({
        key: suggestingKey,
        // While suggesting, a document change that did not come through the rewrite (an
        // appendTransaction of another plugin) is dropped; see the extension's comment.
        filterTransaction: (tr) => {
          if (!storage.enabled || !tr.docChanged || isRemoteOrUndo(tr)) return true
          const meta = suggestingMeta(tr)
          return meta.suggested === true || meta.skip === true
        },
      }),
    ]
  },
})

/**
 * The other extensions' versions of the refused commands, wrapped to return false while suggesting.
 * A refused command that was meant to run (not a `can()` probe, which has no dispatch) is reported,
 * so the toolbar click or shortcut is not met with silence.
 */
function refusingWhileSuggesting(
  editor: Editor,
  ownName: string,
  isSuggesting: () => boolean,
  onRefused: (command: string) => void,
): Partial<RawCommands> {
  const refused = new Set<string>(COMMANDS_REFUSED_WHILE_SUGGESTING)
  const wrapped: Record<string, unknown> = {}
  for (const extension of editor.extensionManager.extensions) {
    if (extension.name === ownName) continue
    const addCommands = getExtensionField<AnyConfig['addCommands']>(extension, 'addCommands', {
      name: extension.name,
      options: extension.options,
      storage: editor.extensionStorage[extension.name as keyof typeof editor.extensionStorage],
      editor,
      type: getSchemaTypeByName(extension.name, editor.extensionManager.schema),
    })
    if (!addCommands) continue
    for (const [name, command] of Object.entries(addCommands() as Record<string, unknown>)) {
      if (!refused.has(name) || typeof command !== 'function') continue
      const original = command as (...args: unknown[]) => (props: unknown) => boolean
      wrapped[name] =
        (...args: unknown[]) =>
        (props: { dispatch?: unknown }) => {
          if (!isSuggesting()) return original(...args)(props)
          if (props.dispatch) onRefused(name)
          return false
        }
    }
  }
  return wrapped as Partial<RawCommands>
}
