/**
 * `npm run bench:suggest-only`: what the server's suggest-only check (server/sync/suggest-only-guard.ts)
 * costs per comment-role update on a large document: 2,000 paragraphs of ~80 characters with a
 * pending suggestion by someone else in every 50th, a commenter typing one character at a time into
 * her suggestion in paragraph 1,000. Figures go to docs/design/suggestions.md.
 */
import { prosemirrorJSONToYDoc } from '@tiptap/y-tiptap'
import * as Y from 'yjs'
import { MAX_ATTRIBUTE_CHARS } from '../shared/limits.js'
import { DOCUMENT_FIELD, documentSchema } from '../server/content/schema.js'
import { SuggestOnlyGuard } from '../server/sync/suggest-only-guard.js'
import { applyValidatedUpdate } from '../server/sync/update-guard.js'

const PARAGRAPHS = 2_000
const KEYSTROKES = 200
const REFUSALS = 10
const limits = { maxAttributeChars: MAX_ATTRIBUTE_CHARS }
const suggestion = (author: string, n: number) => ({
  id: `${author}:${n}`,
  author,
  authorName: author,
  at: 1_700_000_000_000,
})

const paragraphs = Array.from({ length: PARAGRAPHS }, (_, i) => ({
  type: 'paragraph',
  content: [
    { type: 'text', text: `Paragraph ${i}: the quick brown fox jumps over the lazy dog, again and again. ` },
    ...(i % 50 === 0
      ? [{ type: 'text', text: 'pending', marks: [{ type: 'insertion', attrs: suggestion('bob', i) }] }]
      : []),
  ],
}))
const live = prosemirrorJSONToYDoc(documentSchema, { type: 'doc', content: paragraphs }, DOCUMENT_FIELD)
const client = new Y.Doc()
Y.applyUpdate(client, Y.encodeStateAsUpdate(live))
const target = (client.getXmlFragment(DOCUMENT_FIELD).get(PARAGRAPHS / 2) as Y.XmlElement).get(0) as Y.XmlText

/** The update of one keystroke: a character of Alice's insertion at the end of paragraph 1,000's text. */
function keystroke(attrs: Record<string, unknown>, char = 'x'): Uint8Array {
  const before = Y.encodeStateVector(client)
  target.insert(target.length, char, { insertion: attrs })
  return Y.encodeStateAsUpdate(client, before)
}

function stats(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!
  return `${at(0.5).toFixed(1)} | ${at(0.95).toFixed(1)} | ${sorted.at(-1)!.toFixed(1)}`
}

// Warm-up: the process's first conversion pays for loading and compiling y-tiptap and ProseMirror.
const warmUp = new SuggestOnlyGuard(live)
const coldStartedAt = performance.now()
const probe = new Y.Doc()
Y.applyUpdate(probe, Y.encodeStateAsUpdate(client))
warmUp.judge(Y.encodeStateAsUpdate(probe, Y.encodeStateVector(live)), 'alice', limits)
const coldMs = performance.now() - coldStartedAt
warmUp.dispose()

const guard = new SuggestOnlyGuard(live)
const rows: [string, string][] = []
const timed = (run: () => void): number => {
  const startedAt = performance.now()
  run()
  return performance.now() - startedAt
}

// First update: the shadow is built and the whole document converted once.
const first = keystroke(suggestion('alice', 1))
rows.push(['first update of the process (cold: code not yet compiled)', stats([coldMs])])
rows.push([
  'first update of a room (shadow built, whole document converted)',
  stats([
    timed(() => {
      if (!guard.judge(first, 'alice', limits).isAllowed) throw new Error('first keystroke refused')
      applyValidatedUpdate(live, first, 'alice', limits)
    }),
  ]),
])

const steady: number[] = []
for (let i = 0; i < KEYSTROKES; i++) {
  const update = keystroke(suggestion('alice', 1))
  steady.push(
    timed(() => {
      if (!guard.judge(update, 'alice', limits).isAllowed) throw new Error('keystroke refused')
      applyValidatedUpdate(live, update, 'alice', limits)
    }),
  )
}
rows.push([`steady keystroke (check + apply), ${KEYSTROKES} runs`, stats(steady)])

// An editor's change elsewhere, mirrored into the shadow, then the next keystroke converts that block again.
const mixed: number[] = []
const editor = new Y.Doc()
Y.applyUpdate(editor, Y.encodeStateAsUpdate(live))
editor.on('update', (update: Uint8Array) => Y.applyUpdate(client, update))
const elsewhere = (editor.getXmlFragment(DOCUMENT_FIELD).get(10) as Y.XmlElement).get(0) as Y.XmlText
for (let i = 0; i < KEYSTROKES / 4; i++) {
  const before = Y.encodeStateVector(editor)
  elsewhere.insert(0, 'e')
  const edit = Y.encodeStateAsUpdate(editor, before)
  applyValidatedUpdate(live, edit, 'editor', limits)
  const update = keystroke(suggestion('alice', 1))
  mixed.push(
    timed(() => {
      if (!guard.judge(update, 'alice', limits).isAllowed) throw new Error('keystroke refused')
      applyValidatedUpdate(live, update, 'alice', limits)
    }),
  )
}
rows.push([`keystroke after an editor's change elsewhere, ${KEYSTROKES / 4} runs`, stats(mixed)])

// A refused update (a forged author), then the next allowed one rebuilds the shadow.
const refused: number[] = []
const rebuilt: number[] = []
for (let i = 0; i < REFUSALS; i++) {
  const copy = new Y.Doc()
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(client))
  const copyText = (copy.getXmlFragment(DOCUMENT_FIELD).get(PARAGRAPHS / 2) as Y.XmlElement).get(0) as Y.XmlText
  const before = Y.encodeStateVector(copy)
  copyText.insert(0, 'f', { insertion: suggestion('bob', 9999) })
  const forged = Y.encodeStateAsUpdate(copy, before)
  refused.push(
    timed(() => {
      if (guard.judge(forged, 'alice', limits).isAllowed) throw new Error('forged suggestion allowed')
    }),
  )
  const update = keystroke(suggestion('alice', 1))
  rebuilt.push(
    timed(() => {
      if (!guard.judge(update, 'alice', limits).isAllowed) throw new Error('keystroke refused')
      applyValidatedUpdate(live, update, 'alice', limits)
    }),
  )
}
rows.push([`refused update (forged author), ${REFUSALS} runs`, stats(refused)])
rows.push([`next update after a refusal (shadow rebuilt), ${REFUSALS} runs`, stats(rebuilt)])
guard.dispose()

const state = Y.encodeStateAsUpdate(live).byteLength
console.log(
  `\nSuggest-only check, ${PARAGRAPHS} paragraphs (${Math.round(state / 1024)} KB Yjs state), ms: p50 | p95 | max\n`,
)
console.log('| step | p50 | p95 | max |\n| --- | --- | --- | --- |')
for (const [step, figures] of rows) console.log(`| ${step} | ${figures} |`)
