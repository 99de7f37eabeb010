import type { Locator, Page } from 'playwright-core'

/** The "Comments" landmark (an <aside>, so role complementary). */
export function commentsLandmark(page: Page): Locator {
  return page.getByRole('complementary', { name: 'Comments' })
}

/** The card of the thread whose comments include `text`. */
export function threadCard(page: Page, text: string): Locator {
  return commentsLandmark(page).locator('article.tandem-thread', { hasText: text })
}

/**
 * Selects the first occurrence of `needle` in the document, as a drag would, and waits until the
 * editor has taken the selection over (the Comment button enables). In a string: the tests'
 * TypeScript has no DOM types.
 */
export async function selectText(page: Page, needle: string): Promise<void> {
  const editable = (await page.locator('.ProseMirror').getAttribute('contenteditable')) === 'true'
  // An editable ProseMirror reads the DOM selection only while it has focus.
  if (editable) await page.locator('.ProseMirror').focus()
  // Text may be split over several nodes (marks, highlights); other writers' caret labels are not text.
  const found = await page.evaluate<boolean>(`(() => {
    const needle = ${JSON.stringify(needle)}
    const root = document.querySelector('.ProseMirror')
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
    const nodes = []
    let text = ''
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('.collaboration-carets__caret')) continue
      nodes.push({ node, start: text.length })
      text += node.data
    }
    const index = text.indexOf(needle)
    if (index < 0) return false
    const at = (offset, isEnd) => {
      const hit = nodes.findLast((entry) => (isEnd ? entry.start < offset : entry.start <= offset))
      return [hit.node, offset - hit.start]
    }
    const range = document.createRange()
    range.setStart(...at(index, false))
    range.setEnd(...at(index + needle.length, true))
    const selection = window.getSelection()
    selection.removeAllRanges()
    selection.addRange(range)
    return true
  })()`)
  if (!found) throw new Error(`"${needle}" is not in the document`)
  await page.waitForFunction(`!document.querySelector('.tandem-toolbar button[aria-keyshortcuts$="Alt+M"]')?.disabled`)
}

/**
 * The box a new comment is written in: a text box, or on a server with sign-in a combobox (`@`
 * offers people to mention).
 */
export function commentBox(page: Page): Locator {
  const landmark = commentsLandmark(page)
  return landmark
    .getByRole('textbox', { name: 'Comment', exact: true })
    .or(landmark.getByRole('combobox', { name: 'Comment', exact: true }))
}

/** Selects `needle`, presses Comment, types `body` into the composer (which has focus) and posts it with Ctrl+Enter. */
export async function commentOn(page: Page, needle: string, body: string): Promise<void> {
  await selectText(page, needle)
  await page.getByRole('button', { name: 'Comment', exact: true }).click()
  const box = commentBox(page)
  await box.waitFor()
  await page.keyboard.type(body)
  await box.press('Control+Enter')
}

/** The toolbar's count of open threads, from its accessible name ("Comments: 2 open"). */
export async function openCount(page: Page): Promise<number> {
  const label = await page.locator('button[aria-controls^="tandem-comments-"]').getAttribute('aria-label')
  return Number(/(\d+) open/.exec(label ?? '')?.[1] ?? NaN)
}

/**
 * The highlighted text of each thread, in document order (a highlight may be drawn in several pieces,
 * split by marks or other writers' carets, whose labels are not text).
 */
export async function highlightedTexts(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const texts = new Map()
    for (const piece of document.querySelectorAll('.ProseMirror .tandem-comment-highlight')) {
      const copy = piece.cloneNode(true)
      copy.querySelectorAll('.collaboration-carets__caret').forEach((caret) => caret.remove())
      const id = piece.getAttribute('data-thread-id')
      texts.set(id, (texts.get(id) ?? '') + copy.textContent)
    }
    return [...texts.values()]
  })()`)
}
