import { useLayoutEffect, useState, type RefObject } from 'react'

/** Space kept between two cards pushed down by the ones above them, in pixels. */
const CARD_GAP_PX = 8

/**
 * Puts each card of `list` (its `li` children, each with `data-align-id`) level with its text on wide
 * screens: a card moves down to its text's height unless the card above it already reaches lower,
 * so document order is kept and cards never overlap. `textTop(alignId)` is the viewport top of a
 * thread's text, or null for one not in the text (those keep their place in the flow).
 * Runs after every render (the places change as the document does), when the window resizes and
 * when the document's element changes size.
 */
export function useCardAlignment(
  list: RefObject<HTMLElement | null>,
  textTop: (alignId: string) => number | null,
  isEnabled: boolean,
  /** The document's element: when it changes size (content drawn, fonts loaded, reflow), cards move. */
  documentElement: HTMLElement | null,
): void {
  const [, setResizes] = useState(0)

  useLayoutEffect(() => {
    const onResize = () => setResizes((count) => count + 1)
    window.addEventListener('resize', onResize)
    const observer = typeof ResizeObserver === 'undefined' || !documentElement ? null : new ResizeObserver(onResize)
    if (documentElement) observer?.observe(documentElement)
    return () => {
      window.removeEventListener('resize', onResize)
      observer?.disconnect()
    }
  }, [documentElement])

  useLayoutEffect(() => {
    const element = list.current
    if (!element) return
    const items = [...element.children].filter((child): child is HTMLElement => child instanceof HTMLElement)
    if (!isEnabled) {
      for (const item of items) item.style.marginTop = ''
      return
    }
    const listTop = element.getBoundingClientRect().top
    // `bottom`: where the previous card ends, relative to the list's top.
    let bottom = 0
    items.forEach((item, index) => {
      const alignId = item.dataset.alignId
      const top = alignId ? textTop(alignId) : null
      const earliest = bottom + (index === 0 ? 0 : CARD_GAP_PX)
      const wanted = top === null ? earliest : Math.max(earliest, top - listTop)
      item.style.marginTop = `${Math.round(wanted - bottom)}px`
      bottom = wanted + item.getBoundingClientRect().height
    })
  })
}
