import { getSchema, type JSONContent } from '@tiptap/core'
import { DOMSerializer, type Schema } from '@tiptap/pm/model'
import { useEffect, useRef } from 'react'
import { changeMarks } from '../../../shared/history/change-marks.js'
import { documentExtensions } from '../../editor/extensions.js'

let schema: Schema | null = null
/** The editor's schema plus the change marks, built once (on first use: the panel is opened rarely). */
function comparisonSchema(): Schema {
  return (schema ??= getSchema([...documentExtensions(), ...changeMarks()]))
}

/**
 * A document (editor JSON, as the server sends versions and comparisons) rendered read-only with
 * the editor's own node and mark rendering, so it looks like the document, suggestions and all:
 * ProseMirror's DOMSerializer, not an editor (no `.ProseMirror` beside the live one).
 */
export function RichContent({ json }: { json: JSONContent }) {
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const container = ref.current
    if (!container) return
    const schema = comparisonSchema()
    const fragment = DOMSerializer.fromSchema(schema).serializeFragment(schema.nodeFromJSON(json).content, { document })
    container.replaceChildren(fragment)
  }, [json])
  return <div ref={ref} className="history-rich" />
}
