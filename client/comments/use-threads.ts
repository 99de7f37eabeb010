import type { Editor } from '@tiptap/core'
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react'
import type { Thread } from '../../shared/comments.js'
import type { TandemProvider } from '../provider/tandem-provider.js'
import { INITIAL_SYNC_STATUS, SyncState } from '../provider/sync-status.js'
import { placeOf } from './anchors.js'
import { threadClientFor } from './provider-thread-client.js'
import {
  ThreadRequestError,
  type PendingWrite,
  type PlacedThread,
  type ThreadClient,
  type ThreadPlace,
  type ThreadsState,
} from './threads-api.js'

const NO_THREADS: readonly Thread[] = []
const NO_PENDING: PendingWrite[] = []
const noSubscription = () => () => undefined
const noThreads = () => NO_THREADS
const noPending = () => NO_PENDING
const initialStatus = () => INITIAL_SYNC_STATUS

/**
 * The document's comment threads, live, for an app's own sidebar (the built-in one uses it too).
 * `provider` must be created with `threads: true`. With `editor` (Tiptap, with the Collaboration
 * extension on the same provider) each thread gets its place in the text, recomputed as the document
 * changes, and threads come in document order; without it every place is `{ kind: 'document' }`.
 */
export function useThreads(provider: TandemProvider | null, editor?: Editor | null): ThreadsState {
  const store = provider?.threads ?? null
  const threads = useSyncExternalStore(store?.subscribe ?? noSubscription, store?.getThreads ?? noThreads, noThreads)
  const client = useMemo(() => (provider ? threadClientFor(provider) : null), [provider])
  const pending = useSyncExternalStore(
    client?.pending.subscribe ?? noSubscription,
    client?.pending.getAll ?? noPending,
    noPending,
  )
  const status = useSyncExternalStore(
    provider?.subscribe ?? noSubscription,
    provider?.getStatus ?? initialStatus,
    initialStatus,
  )
  const docVersion = useDocVersion(editor)

  const placed = useMemo(() => {
    // docVersion names the document the places are computed for (the editor's state is read, not passed).
    void docVersion
    const state = editor && !editor.isDestroyed ? editor.state : null
    return orderThreads(
      threads.map((thread) => ({ thread, place: state ? placeOf(state, thread.anchor) : documentPlace })),
    )
  }, [threads, editor, docVersion])

  const isLoaded = store?.isLoaded ?? false
  let loadError: string | null = null
  if (provider && !store)
    loadError = 'Comments are off for this session (the provider was created without threads: true).'
  else if (status.error) loadError = status.error.message
  else if (!isLoaded && status.state === SyncState.Offline)
    loadError = 'Comments will appear when the connection is back.'

  return {
    threads: placed,
    pending,
    openCount: threads.reduce((count, thread) => count + (thread.status === 'open' ? 1 : 0), 0),
    isLoaded,
    loadError,
    client: client ?? unavailableClient,
  }
}

const documentPlace: ThreadPlace = { kind: 'document' }

/** A number that changes with every change of the editor's document (local or remote). */
function useDocVersion(editor: Editor | null | undefined): number {
  const [version, setVersion] = useState(0)
  useEffect(() => {
    if (!editor) return
    // 'update' fires for every transaction that changed the document, the Yjs binding's remote
    // changes included; selection-only transactions move no anchor, so they cost nothing here.
    const onUpdate = () => setVersion((value) => value + 1)
    editor.on('update', onUpdate)
    // The binding renders the Y.Doc into the editor after mount: recompute once it has.
    onUpdate()
    return () => {
      editor.off('update', onUpdate)
    }
  }, [editor])
  return version
}

const PLACE_RANK: Record<ThreadPlace['kind'], number> = { range: 0, deleted: 1, document: 2 }

/** Anchored threads in document order, then those on deleted text, then whole-document ones; oldest first within. */
export function orderThreads(threads: PlacedThread[]): PlacedThread[] {
  return threads.sort((a, b) => {
    const rank = PLACE_RANK[a.place.kind] - PLACE_RANK[b.place.kind]
    if (rank !== 0) return rank
    if (a.place.kind === 'range' && b.place.kind === 'range') {
      const order = a.place.from - b.place.from || a.place.to - b.place.to
      if (order !== 0) return order
    }
    return a.thread.createdAt.localeCompare(b.thread.createdAt) || a.thread.id.localeCompare(b.thread.id)
  })
}

function unavailable(): Promise<never> {
  return Promise.reject(
    new ThreadRequestError('Comments are not available: there is no session with threads on.', 0, 'unavailable'),
  )
}

/** The client while there is no provider (or threads are off): every write says why it cannot be done. */
const unavailableClient: ThreadClient = {
  startThread: unavailable,
  reply: unavailable,
  setStatus: unavailable,
  editComment: unavailable,
  deleteComment: unavailable,
  deleteThread: unavailable,
  dismiss: () => undefined,
}
