// @vitest-environment happy-dom
import { Editor } from '@tiptap/core'
import { afterEach, describe, expect, it } from 'vitest'
import { describeSuggestion } from '../../client/editor/comments/suggestion-text.js'
import { documentExtensions } from '../../client/editor/extensions.js'
import { authorColor, SuggestionColors, SUGGESTION_COLOR_VARIABLE } from '../../client/editor/suggestion-colors.js'
import { USER_COLORS } from '../../client/editor/user-identity.js'
import { listSuggestions, type Suggestion } from '../../shared/suggestions/suggestions.js'

/** What a suggestion card says, and the editor drawing suggestions in their author's colour. */

const base: Suggestion = {
  id: 's:1',
  author: 'alice',
  authorName: 'Alice',
  at: 1,
  kind: 'add',
  inserted: '',
  deleted: '',
  added: [],
  removed: [],
  from: 1,
  to: 2,
}

describe('the card text of a suggestion', () => {
  it('says what it adds, deletes, replaces or formats', () => {
    expect(describeSuggestion({ ...base, kind: 'add', inserted: 'swift' })).toBe('Add: “swift”')
    expect(describeSuggestion({ ...base, kind: 'delete', deleted: 'quick' })).toBe('Delete: “quick”')
    expect(describeSuggestion({ ...base, kind: 'replace', deleted: 'quick', inserted: 'swift' })).toBe(
      'Replace “quick” with “swift”',
    )
    expect(describeSuggestion({ ...base, kind: 'format', added: [{ type: 'bold' }] })).toBe('Format: bold')
    expect(
      describeSuggestion({ ...base, kind: 'format', added: [{ type: 'italic' }], removed: [{ type: 'strike' }] }),
    ).toBe('Format: italic, remove strikethrough')
  })

  it('cuts long text and folds its line breaks', () => {
    const text = describeSuggestion({ ...base, inserted: `a\n${'b'.repeat(400)}` })
    expect(text.length).toBeLessThan(180)
    expect(text).toMatch(/^Add: “a b+…”$/)
  })
})

describe('suggestion colours', () => {
  it('one author has one colour from the caret palette, the same every time', () => {
    expect(USER_COLORS).toContain(authorColor('alice'))
    expect(authorColor('alice')).toBe(authorColor('alice'))
    const colours = new Set(['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map(authorColor))
    expect(colours.size).toBeGreaterThan(2)
  })

  let editor: Editor | null = null
  afterEach(() => editor?.destroy())

  it('draws <ins> and <del> as the schema says, with the author colour on the element', () => {
    editor = new Editor({
      extensions: [...documentExtensions(), SuggestionColors],
      content: {
        type: 'doc',
        content: [
          {
            type: 'paragraph',
            content: [
              { type: 'text', text: 'The ' },
              {
                type: 'text',
                text: 'quick',
                marks: [{ type: 'deletion', attrs: { id: 'b:1', author: 'bob', authorName: 'Bob', at: 5 } }],
              },
              {
                type: 'text',
                text: 'swift',
                marks: [{ type: 'insertion', attrs: { id: 'a:1', author: 'alice', authorName: 'Alice', at: 5 } }],
              },
            ],
          },
        ],
      },
    })
    const dom = editor.view.dom as unknown as {
      querySelector(
        selector: string,
      ): { getAttribute(name: string): string | null; style: { getPropertyValue(name: string): string } } | null
    }
    const ins = dom.querySelector('ins[data-suggestion="insertion"]')
    const del = dom.querySelector('del[data-suggestion="deletion"]')
    expect(ins?.getAttribute('data-suggestion-id')).toBe('a:1')
    expect(ins?.getAttribute('data-author-name')).toBe('Alice')
    expect(ins?.style.getPropertyValue(SUGGESTION_COLOR_VARIABLE)).toBe(authorColor('alice'))
    expect(del?.style.getPropertyValue(SUGGESTION_COLOR_VARIABLE)).toBe(authorColor('bob'))
    expect(listSuggestions(editor.state.doc).map((suggestion) => suggestion.kind)).toEqual(['delete', 'add'])
  })
})
