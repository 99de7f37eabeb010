import { Editor } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import type { Node as PMNode } from '@tiptap/pm/model'
import { TextSelection } from '@tiptap/pm/state'
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap'
import * as Y from 'yjs'
import { DOCUMENT_FIELD, documentExtensions } from '../../client/editor/extensions.js'
import { Suggesting, suggestingKey } from '../../client/editor/suggestions/suggesting-extension.js'
import {
  SUGGESTION_ANCHOR,
  changesOnlyOwnSuggestions,
  isSuggestionMarkName,
} from '../../shared/suggestions/suggestions.js'

/**
 * Editors in Suggesting mode on linked Y.Docs, as two browsers through the server (the set-up of
 * the suggestions evaluation): the real content extensions, Collaboration (Yjs undo) and Suggesting.
 * Needs a DOM (happy-dom test environment).
 */

const page = globalThis as unknown as { document: { createElement(tag: string): never } }

export class SuggestingEditors {
  readonly editors: Editor[] = []
  /** Every suggesting transaction's server check (changes only its author's suggestions), in order. */
  readonly checks: { author: string; passed: boolean }[] = []

  editorOn(doc: Y.Doc, author: string, suggesting = true): Editor {
    const editor = new Editor({
      element: page.document.createElement('div'),
      extensions: [
        ...documentExtensions(),
        Collaboration.configure({ document: doc, field: DOCUMENT_FIELD }),
        Suggesting.configure({ author: { id: author, name: author.toUpperCase() }, enabled: suggesting }),
      ],
    })
    editor.on('transaction', ({ transaction }) => {
      const meta = (transaction.getMeta(suggestingKey) ?? {}) as { suggested?: boolean }
      if (meta.suggested) {
        this.checks.push({ author, passed: changesOnlyOwnSuggestions(transaction.before, transaction.doc, author) })
      }
    })
    this.editors.push(editor)
    return editor
  }

  /** Alice and Bob on two linked docs; `html` is set by Alice before either suggests. */
  pair(html: string, suggesting = true) {
    const { a, b } = linkedDocs()
    const alice = this.editorOn(a, 'alice', false)
    const bob = this.editorOn(b, 'bob', false)
    alice.commands.setContent(html)
    if (suggesting) {
      alice.commands.setSuggesting(true)
      bob.commands.setSuggesting(true)
    }
    return { alice, bob, a, b }
  }

  destroy(): void {
    for (const editor of this.editors.splice(0)) editor.destroy()
    this.checks.splice(0)
  }
}

/** Two Y.Docs that exchange every update both ways. */
export function linkedDocs() {
  const a = new Y.Doc()
  const b = new Y.Doc()
  const relay = (to: Y.Doc) => (update: Uint8Array, origin: unknown) => {
    if (origin !== 'relay') Y.applyUpdate(to, update, 'relay')
  }
  a.on('update', relay(b))
  b.on('update', relay(a))
  return { a, b }
}

/** The document as the server reads it from a Y.Doc. */
export function serverDocOf(editor: Editor, ydoc: Y.Doc): PMNode {
  return yXmlFragmentToProseMirrorRootNode(ydoc.getXmlFragment(DOCUMENT_FIELD), editor.schema)
}

/** Position of the first occurrence of `text` inside one text node: before it, or after it with 'end'. */
export function posOf(editor: Editor, text: string, at: 'start' | 'end' = 'start'): number {
  let found = -1
  editor.state.doc.descendants((node, pos) => {
    if (found >= 0 || !node.isText) return found < 0
    const index = node.text?.indexOf(text) ?? -1
    if (index >= 0) found = pos + index + (at === 'end' ? text.length : 0)
    return false
  })
  if (found < 0) throw new Error(`"${text}" is not in ${editor.state.doc.textContent}`)
  return found
}

/** Types `text` one keystroke (one transaction) at a time at `pos`. */
export function type(editor: Editor, pos: number, text: string): void {
  editor.view.dispatch(editor.state.tr.setSelection(TextSelection.create(editor.state.doc, pos)))
  for (const char of text) editor.view.dispatch(editor.state.tr.insertText(char))
}

/**
 * Backspace inside text as the browser does it (the browser edits the DOM, ProseMirror reads a
 * deletion of the character before the caret; keymaps only handle block starts).
 */
export function backspace(editor: Editor): void {
  const { from } = editor.state.selection
  editor.view.dispatch(editor.state.tr.delete(from - 1, from))
}

/** Forward Delete inside text, as the browser does it. */
export function forwardDelete(editor: Editor): void {
  const { from } = editor.state.selection
  editor.view.dispatch(editor.state.tr.delete(from, from + 1))
}

/** Deletes `from`–`to` as a selection deletion does. */
export function remove(editor: Editor, from: number, to: number): void {
  editor.view.dispatch(editor.state.tr.delete(from, to))
}

export interface SuggestionRun {
  kind: string
  author: string
  /** Suggestion ids renamed "<author>#<n>" in order of appearance. */
  id: string
  text: string
}

/**
 * Suggestion marks in document order, the text of one mark on consecutive text nodes joined (across
 * block boundaries too); anchors shown as ¶.
 */
export function suggestionRuns(doc: PMNode): SuggestionRun[] {
  const runs: SuggestionRun[] = []
  const names = new Map<string, string>()
  const name = (raw: string, author: string) => {
    const known = names.get(raw) ?? `${author}#${names.size + 1}`
    names.set(raw, known)
    return known
  }
  const open = new Map<string, SuggestionRun>()
  doc.descendants((node) => {
    if (!node.isText) return true
    const marks = node.marks.filter((mark) => isSuggestionMarkName(mark.type.name))
    const text = (node.text ?? '').replace(new RegExp(SUGGESTION_ANCHOR, 'g'), '¶')
    const seen = new Set<string>()
    for (const mark of marks) {
      const author = String(mark.attrs['author'])
      const id = name(String(mark.attrs['id']), author)
      const key = `${mark.type.name}|${id}`
      seen.add(key)
      const last = open.get(key)
      if (last) last.text += text
      else {
        const run = { kind: mark.type.name, author, id, text }
        runs.push(run)
        open.set(key, run)
      }
    }
    for (const key of [...open.keys()]) if (!seen.has(key)) open.delete(key)
    return false
  })
  return runs
}

/** Visible text: anchors removed. */
export const plain = (doc: PMNode) => doc.textContent.split(SUGGESTION_ANCHOR).join('')
