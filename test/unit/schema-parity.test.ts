import { getSchema } from '@tiptap/core'
import { describe, expect, it } from 'vitest'
import { documentExtensions as editorDocumentExtensions } from '../../client/editor/extensions.js'
import { documentSchema } from '../../server/content/schema.js'

describe('schema parity between the editor and the server', () => {
  const editorSchema = getSchema(editorDocumentExtensions())

  it('has the same node types', () => {
    expect(Object.keys(editorSchema.nodes).sort()).toEqual(Object.keys(documentSchema.nodes).sort())
  })

  it('has the same mark types', () => {
    expect(Object.keys(editorSchema.marks).sort()).toEqual(Object.keys(documentSchema.marks).sort())
  })

  it('gives every node the same attributes', () => {
    const attrs = (schema: typeof documentSchema) =>
      Object.fromEntries(
        Object.entries(schema.nodes).map(([name, type]) => [name, Object.keys(type.spec.attrs ?? {}).sort()]),
      )
    expect(attrs(editorSchema)).toEqual(attrs(documentSchema))
  })
})
