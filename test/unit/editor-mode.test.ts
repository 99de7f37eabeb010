// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest'
import {
  clampMode,
  defaultMode,
  EditorMode,
  modesFor,
  rememberedMode,
  rememberMode,
} from '../../client/editor/editor-mode.js'

const storage = (globalThis as unknown as { localStorage: { clear(): void; setItem(k: string, v: string): void } })
  .localStorage

afterEach(() => storage.clear())

describe('editor modes by role', () => {
  it('an edit link may edit, suggest and view, and opens editing', () => {
    expect(modesFor('edit')).toEqual([EditorMode.Editing, EditorMode.Suggesting, EditorMode.Viewing])
    expect(defaultMode('edit')).toBe(EditorMode.Editing)
  })

  it('a comment link opens suggesting and can never edit', () => {
    expect(defaultMode('comment')).toBe(EditorMode.Suggesting)
    expect(modesFor('comment')).not.toContain(EditorMode.Editing)
    expect(clampMode(EditorMode.Editing, 'comment')).toBe(EditorMode.Suggesting)
    expect(clampMode(EditorMode.Viewing, 'comment')).toBe(EditorMode.Viewing)
  })

  it('a view link only views, whatever was asked', () => {
    expect(modesFor('view')).toEqual([EditorMode.Viewing])
    expect(clampMode(EditorMode.Editing, 'view')).toBe(EditorMode.Viewing)
    expect(clampMode(EditorMode.Suggesting, 'view')).toBe(EditorMode.Viewing)
  })

  it('no choice gives the role default', () => {
    expect(clampMode(null, 'edit')).toBe(EditorMode.Editing)
    expect(clampMode(undefined, 'comment')).toBe(EditorMode.Suggesting)
  })
})

describe('the mode remembered per document', () => {
  it('is kept per document id', () => {
    rememberMode('doc-a', EditorMode.Suggesting)
    expect(rememberedMode('doc-a')).toBe(EditorMode.Suggesting)
    expect(rememberedMode('doc-b')).toBeNull()
  })

  it('ignores a stored value that is no mode', () => {
    storage.setItem('tandem:mode:doc-c', 'owner')
    expect(rememberedMode('doc-c')).toBeNull()
  })
})
