import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react'
import { loadMentionDirectory, type MentionDirectory } from '../../comments/mention-directory.js'
import type { TandemProvider } from '../../provider/tandem-provider.js'

/**
 * The people are read again when a comment box takes focus or a mention is being typed, at most
 * this often (someone may have shared since: one small GET per few seconds of typing mentions).
 */
const REFRESH_INTERVAL_MS = 3_000
/** While a mention being typed matches nobody, the people are read again at most this often. */
const NO_MATCH_REFRESH_MS = 500

/** Who comment boxes may mention, for every composer beside one editor (null: mentions are off). */
export interface MentionsState {
  directory: MentionDirectory
  /** Takes a newer directory (the one sharing answered with). */
  update(next: MentionDirectory): void
  /**
   * Reads the people again unless that was done in the last few seconds (`isLooking`: a mention
   * being typed matches nobody yet, so the wait is shorter).
   */
  refresh(isLooking?: boolean): void
}

export const MentionsContext = createContext<MentionsState | null>(null)

/** The mentions of the editor around this composer; null where there are none (no sign-in, no access). */
export function useMentions(): MentionsState | null {
  return useContext(MentionsContext)
}

/**
 * Loads the directory for the provider's document (mention-directory.ts); null until it is known
 * and wherever mentions do not apply. A failure to load means no mentions, never an error shown:
 * comments work the same without them.
 */
export function useMentionsState(provider: TandemProvider | null): MentionsState | null {
  const [directory, setDirectory] = useState<MentionDirectory | null>(null)
  const loadedAt = useRef(0)
  const generation = useRef(0)
  const trailing = useRef<ReturnType<typeof setTimeout> | null>(null)

  const load = useCallback(() => {
    if (!provider) return
    const mine = ++generation.current
    loadedAt.current = Date.now()
    loadMentionDirectory(provider.httpBase, provider.docId)
      .then((loaded) => {
        if (mine === generation.current) setDirectory(loaded)
      })
      .catch(() => undefined) // unreachable now: keep what we had
  }, [provider])

  useEffect(() => {
    setDirectory(null)
    load()
    return () => {
      generation.current++
      if (trailing.current !== null) clearTimeout(trailing.current)
      trailing.current = null
    }
  }, [load])

  // A document opened for the first time exists on the server only once its first connection
  // synced (its sharing could not be read before): read again each time the provider syncs while
  // there is no directory yet.
  const hasDirectory = directory !== null
  useEffect(() => {
    if (!provider || hasDirectory) return
    let wasSynced = provider.getStatus().isSynced
    return provider.subscribe(() => {
      const isSynced = provider.getStatus().isSynced
      if (isSynced && !wasSynced) load()
      wasSynced = isSynced
    })
  }, [provider, hasDirectory, load])

  return useMemo(
    () =>
      directory && {
        directory,
        update: (next: MentionDirectory) => {
          generation.current++
          setDirectory(next)
        },
        refresh: (isLooking = false) => {
          const waitMs = isLooking ? NO_MATCH_REFRESH_MS : REFRESH_INTERVAL_MS
          const remainingMs = loadedAt.current + waitMs - Date.now()
          if (remainingMs <= 0) return load()
          // Asked too soon: read once when the wait is over, so the last ask is never dropped.
          if (trailing.current === null) {
            trailing.current = setTimeout(() => {
              trailing.current = null
              load()
            }, remainingMs)
          }
        },
      },
    [directory, load],
  )
}
