import { Extension } from '@tiptap/core'
import { Plugin, PluginKey } from '@tiptap/pm/state'
import type { EditorView } from '@tiptap/pm/view'

/**
 * Remote carets glide instead of jumping. Presence arrives at most every 50–80 ms (the sender's
 * throttle, then the server's presence tick), so a caret drawn where each update puts it moves in
 * visible hops; people read that as lag. After every redraw this slides each remote caret from
 * where it was shown to where it now is, over about one update's interval (a FLIP animation of a
 * transform: no layout work, and the caret always ends exactly where the document says). Jumps
 * longer than a few lines are shown as jumps: a caret sliding across the page reads as motion
 * that did not happen. Off when the reader asks for reduced motion.
 */

/** About one presence interval, so a steady stream of moves reads as one continuous motion. */
const GLIDE_MS = 90
/** Farther than this (px) is a jump, not a move. */
const MAX_GLIDE_PX = 240
const CARET_SELECTOR = '.collaboration-carets__caret'
/** Which user a caret element is for (caretElement sets it): the key that follows a caret between redraws. */
const CARET_KEY_ATTRIBUTE = 'data-caret-key'

/** A remote caret as CollaborationCaret draws it by default, plus the key the glide follows it by. */
export function caretElement(user: Record<string, unknown>): HTMLElement {
  const name = typeof user.name === 'string' ? user.name : ''
  const color = typeof user.color === 'string' ? user.color : ''
  const caret = document.createElement('span')
  caret.classList.add('collaboration-carets__caret')
  caret.style.borderColor = color
  caret.setAttribute(CARET_KEY_ATTRIBUTE, `${name}\u0000${color}`)
  const label = document.createElement('div')
  label.classList.add('collaboration-carets__label')
  label.style.backgroundColor = color
  label.textContent = name
  caret.append(label)
  return caret
}

interface Shown {
  x: number
  y: number
}

class CaretGlideView {
  private shown = new Map<string, Shown>()

  constructor(private readonly view: EditorView) {}

  update(): void {
    const root = this.view.dom
    const carets = root.querySelectorAll<HTMLElement>(CARET_SELECTOR)
    if (carets.length === 0 && this.shown.size === 0) return
    const origin = root.getBoundingClientRect()
    const reduceMotion = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches === true
    const next = new Map<string, Shown>()
    for (const caret of carets) {
      const key = caret.getAttribute(CARET_KEY_ATTRIBUTE)
      if (key === null) continue
      // Where the document puts it: what is drawn, less any glide still running on this element.
      const rect = caret.getBoundingClientRect()
      const offset = currentOffset(caret)
      const now = { x: rect.left - origin.left - offset.x, y: rect.top - origin.top - offset.y }
      next.set(key, now)
      const before = this.shown.get(key)
      if (!before || reduceMotion) continue
      const dx = before.x - now.x
      const dy = before.y - now.y
      if ((dx === 0 && dy === 0) || Math.hypot(dx, dy) > MAX_GLIDE_PX) continue
      caret.style.transition = 'none'
      caret.style.transform = `translate(${dx}px, ${dy}px)`
      // Commit the start position before the transition starts from it.
      void caret.offsetWidth
      caret.style.transition = `transform ${GLIDE_MS}ms ease-out`
      caret.style.transform = ''
    }
    this.shown = next
  }
}

/** The translate a running glide currently applies to `caret` (0, 0 when none). */
function currentOffset(caret: HTMLElement): Shown {
  const transform = getComputedStyle(caret).transform
  if (!transform || transform === 'none') return { x: 0, y: 0 }
  const matrix = new DOMMatrixReadOnly(transform)
  return { x: matrix.m41, y: matrix.m42 }
}

/** Remote carets glide between positions (see above); pair with CollaborationCaret's `render: caretElement`. */
export const CaretGlide = Extension.create({
  name: 'caretGlide',
  addProseMirrorPlugins() {
    return [new Plugin({ key: new PluginKey('caretGlide'), view: (view) => new CaretGlideView(view) })]
  },
})
