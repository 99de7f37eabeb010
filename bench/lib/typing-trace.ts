import * as Y from 'yjs'
import { createRandom } from './stats.js'

/** The one client id of the trace, so its encoding is identical on every run. */
const TRACE_CLIENT_ID = 1

export interface TypingTrace {
  doc: Y.Doc
  operations: number
  inserts: number
  deletes: number
}

/**
 * A deterministic editing trace shaped like a person writing a paper (the automerge-paper trace:
 * ~260k operations, ~70 % single-character inserts, the rest mostly backspaces, the cursor moving
 * now and then): runs of typing at a cursor, short backspace runs, occasional jumps elsewhere.
 * One Yjs transaction per operation, as an editor produces them.
 */
export function generateTypingTrace(operations: number, seed = 260): TypingTrace {
  const random = createRandom(seed)
  const doc = new Y.Doc({ gc: true })
  doc.clientID = TRACE_CLIENT_ID
  const text = doc.getText('body')
  const alphabet = 'etaoinshrdlucmfwypvbgkjqxz      ,.\n'
  let cursor = 0
  let inserts = 0
  let deletes = 0
  for (let op = 0; op < operations; op++) {
    const length = text.length
    const roll = random()
    if (roll < 0.01 && length > 0) {
      // Jump: click somewhere else, mostly near the end where most writing happens.
      cursor = Math.floor(length * (0.5 + 0.5 * random()) ** 0.5)
    }
    if (roll > 0.7 && cursor > 0) {
      cursor--
      text.delete(cursor, 1)
      deletes++
    } else {
      text.insert(cursor, alphabet.charAt(Math.floor(random() * alphabet.length)))
      cursor++
      inserts++
    }
  }
  return { doc, operations, inserts, deletes }
}
