import { useEffect, useState } from 'react'
import type * as Y from 'yjs'

/**
 * How long the live document must stay unchanged before a comparison with it is asked for again:
 * each comparison is a request, and typing should not send one per keystroke.
 */
const LIVE_COMPARISON_DEBOUNCE_MS = 1000

/** A number that grows once the live document changed and then stayed still for a moment. */
export function useLiveRevision(doc: Y.Doc): number {
  const [revision, setRevision] = useState(0)
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const onUpdate = () => {
      clearTimeout(timer)
      timer = setTimeout(() => setRevision((value) => value + 1), LIVE_COMPARISON_DEBOUNCE_MS)
    }
    doc.on('update', onUpdate)
    return () => {
      clearTimeout(timer)
      doc.off('update', onUpdate)
    }
  }, [doc])
  return revision
}
