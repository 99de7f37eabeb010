import * as Y from 'yjs'
import { DOCUMENT_FIELD } from '../../server/content/schema.js'

/**
 * A Yjs update written the way a crafted client would: straight into the document's
 * Y.XmlFragment, with y-prosemirror's encoding (an element per node, attributes on the element,
 * a mark as a formatting attribute on the text whose value is the mark's attrs) but with whatever
 * names and values the attacker likes — nothing here passes through the schema.
 */
export function craftedUpdate(build: (fragment: Y.XmlFragment) => void): Uint8Array {
  const doc = new Y.Doc()
  build(doc.getXmlFragment(DOCUMENT_FIELD))
  return Y.encodeStateAsUpdate(doc)
}

/** A paragraph holding `text` under a link mark with the given attrs. */
export function linkParagraph(text: string, linkAttrs: Record<string, unknown>): Y.XmlElement {
  const paragraph = new Y.XmlElement('paragraph')
  const content = new Y.XmlText()
  paragraph.insert(0, [content])
  content.insert(0, text, { link: linkAttrs })
  return paragraph
}

/** An image element with the given attributes (the `src` as the attacker writes it). */
export function imageElement(attrs: Record<string, string>): Y.XmlElement {
  const image = new Y.XmlElement('image')
  for (const [name, value] of Object.entries(attrs)) image.setAttribute(name, value)
  return image
}
