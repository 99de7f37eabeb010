import { useEffect, useState } from 'react'
import * as Y from 'yjs'
import { DOCUMENT_FIELD } from '../../editor/extensions.js'

/** How long the live text waits for typing to pause before it is recomputed (and re-diffed). */
const LIVE_TEXT_DEBOUNCE_MS = 250

/**
 * The live document's text with one line per text block, like the server's `?format=text`
 * rendering of a version (hard breaks become line breaks too), so the two can be compared.
 */
export function liveDocumentText(doc: Y.Doc): string {
  const blocks: string[] = []
  const walk = (parent: Y.XmlFragment | Y.XmlElement) => {
    const children = parent.toArray()
    if (children.some((child) => child instanceof Y.XmlText)) {
      let text = ''
      for (const child of children) {
        if (child instanceof Y.XmlText) {
          for (const op of child.toDelta() as { insert?: unknown }[]) {
            if (typeof op.insert === 'string') text += op.insert
          }
        } else if (child instanceof Y.XmlElement && child.nodeName === 'hardBreak') {
          text += '\n'
        }
      }
      blocks.push(text)
      return
    }
    for (const child of children) if (child instanceof Y.XmlElement) walk(child)
  }
  walk(doc.getXmlFragment(DOCUMENT_FIELD))
  return blocks.join('\n')
}

/** The live text, recomputed (debounced) as the document changes. */
export function useLiveText(doc: Y.Doc): string {
  const [text, setText] = useState(() => liveDocumentText(doc))
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const onUpdate = () => {
      clearTimeout(timer)
      timer = setTimeout(() => setText(liveDocumentText(doc)), LIVE_TEXT_DEBOUNCE_MS)
    }
    setText(liveDocumentText(doc))
    doc.on('update', onUpdate)
    return () => {
      clearTimeout(timer)
      doc.off('update', onUpdate)
    }
  }, [doc])
  return text
}
