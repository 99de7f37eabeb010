import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react'
import { loadMentionDirectory, type MentionDirectory } from '../../comments/mention-directory.js'
import type { TandemProvider } from '../../provider/tandem-provider.js'

/** The people are read again when a comment box takes focus, at most this often (someone may have shared since). */
const REFRESH_INTERVAL_MS = 15_000

/** Who comment boxes may mention, for every composer beside one editor (null: mentions are off). */
export interface MentionsState {
  directory: MentionDirectory
  /** Takes a newer directory (the one sharing answered with). */
  update(next: MentionDirectory): void
  /** Reads the people again unless that was done a moment ago. */
  refresh(): void
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
    }
  }, [load])

  return useMemo(
    () =>
      directory && {
        directory,
        update: (next: MentionDirectory) => {
          generation.current++
          setDirectory(next)
        },
        refresh: () => {
          if (Date.now() - loadedAt.current >= REFRESH_INTERVAL_MS) load()
        },
      },
    [directory, load],
  )
}
