import { useEffect, useRef, useState, useSyncExternalStore } from 'react'
import { TandemProvider, type TandemProviderOptions, type TokenSource } from '../provider/tandem-provider.js'
import { INITIAL_SYNC_STATUS, isStatusChange, type SyncStatus } from '../provider/sync-status.js'
import { isUserColor } from './user-identity.js'

/**
 * Creates the sync session for one document outside render (a provider built during render hangs
 * React under StrictMode, Hocuspocus #215) and destroys it on unmount or when the document changes.
 * Returns null until the effect has run, always on the server, and when `options` is null.
 */
export function useTandemProvider(options: TandemProviderOptions | null): TandemProvider | null {
  const [provider, setProvider] = useState<TandemProvider | null>(null)
  // The latest token source is read at every connection attempt, so a new token needs no new session.
  const tokenRef = useRef<TokenSource | undefined>(options?.token)
  tokenRef.current = options?.token
  const isEnabled = options !== null
  const hasToken = options?.token !== undefined
  const {
    docId = '',
    serverUrl = '',
    transport,
    offline,
    crossTab,
    doc,
    presence,
    meshPeerLimit,
    threads,
  } = options ?? {}

  useEffect(() => {
    if (!isEnabled) return
    const token: TokenSource | undefined = hasToken
      ? () => {
          const current = tokenRef.current
          return typeof current === 'function' ? current() : (current ?? '')
        }
      : undefined
    const created = new TandemProvider({
      docId,
      serverUrl,
      transport,
      offline,
      crossTab,
      doc,
      token,
      presence,
      meshPeerLimit,
      threads,
    })
    setProvider(created)
    return () => {
      setProvider(null)
      created.destroy()
    }
  }, [isEnabled, docId, serverUrl, transport, offline, crossTab, doc, hasToken, presence, meshPeerLimit, threads])

  return provider
}

const noSubscription = () => () => undefined
const initialStatus = () => INITIAL_SYNC_STATUS

/**
 * The provider's status, re-rendering on every change, new unsynced counts included (StrictMode- and
 * SSR-safe). For a callback on meaningful changes only, see `useStatusChange`.
 */
export function useSyncStatus(provider: TandemProvider | null): SyncStatus {
  return useSyncExternalStore(
    provider?.subscribe ?? noSubscription,
    provider?.getStatus ?? initialStatus,
    initialStatus,
  )
}

/**
 * Calls `onChange` with the first status it sees, then whenever the status changes in a way an app
 * acts on (`isStatusChange`: state, transport, error or a flag), not for every new unsynced count.
 * The latest `onChange` is always the one called, so an inline arrow function is fine.
 */
export function useStatusChange(status: SyncStatus, onChange: ((status: SyncStatus) => void) | undefined): void {
  const onChangeRef = useRef(onChange)
  onChangeRef.current = onChange
  const reported = useRef<SyncStatus | null>(null)
  useEffect(() => {
    if (reported.current !== null && !isStatusChange(reported.current, status)) return
    reported.current = status
    onChangeRef.current?.(status)
  }, [status])
}

/** One person in the document, from awareness. */
export interface PresenceUser {
  clientId: number
  name: string
  color: string
  /** No keyboard or pointer activity for a while (see IDLE_AFTER_MS). */
  isIdle: boolean
  isSelf: boolean
}

/** After this long without input a writer shows as idle to others. */
export const IDLE_AFTER_MS = 60_000

/** Everyone present in the document (self first), updated as awareness changes. */
export function usePresence(provider: TandemProvider | null): PresenceUser[] {
  const [users, setUsers] = useState<PresenceUser[]>([])
  useEffect(() => {
    if (!provider) return
    const { awareness } = provider
    const read = () => {
      const list: PresenceUser[] = []
      for (const [clientId, state] of awareness.getStates()) {
        const user = (state as { user?: { name?: unknown; color?: unknown } }).user
        if (!user || typeof user.name !== 'string') continue
        list.push({
          clientId,
          name: user.name,
          color: isUserColor(user.color) ? user.color : '#7d6b5d',
          isIdle: (state as { presence?: { isIdle?: unknown } }).presence?.isIdle === true,
          isSelf: clientId === awareness.clientID,
        })
      }
      list.sort((a, b) => Number(b.isSelf) - Number(a.isSelf) || a.name.localeCompare(b.name))
      setUsers(list)
    }
    read()
    awareness.on('change', read)
    return () => {
      awareness.off('change', read)
      setUsers([])
    }
  }, [provider])
  return users
}

/**
 * Publishes whether this writer is idle, only on transitions (a field change is a network frame),
 * so others can grey out the avatar of someone who walked away.
 */
export function useIdlePresence(provider: TandemProvider | null, idleAfterMs = IDLE_AFTER_MS): void {
  useEffect(() => {
    if (!provider || typeof window === 'undefined') return
    let isIdle = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const publish = (value: boolean) => {
      if (value === isIdle && provider.awareness.getLocalState()?.presence) return
      isIdle = value
      provider.awareness.setLocalStateField('presence', { isIdle })
    }
    const onActivity = () => {
      publish(false)
      clearTimeout(timer)
      timer = setTimeout(() => publish(true), idleAfterMs)
    }
    const onVisibility = () => (document.visibilityState === 'hidden' ? publish(true) : onActivity())
    const events = ['keydown', 'pointerdown', 'pointermove', 'focus'] as const
    for (const name of events) window.addEventListener(name, onActivity, { passive: true })
    document.addEventListener('visibilitychange', onVisibility)
    onActivity()
    return () => {
      clearTimeout(timer)
      for (const name of events) window.removeEventListener(name, onActivity)
      document.removeEventListener('visibilitychange', onVisibility)
    }
  }, [provider, idleAfterMs])
}

/** Warns before closing the tab while changes are not yet acknowledged by the server. */
export function useUnsavedChangesWarning(status: SyncStatus, isEnabled = true): void {
  const isUnsaved = status.hasUnsyncedChanges || status.state === 'saving'
  useEffect(() => {
    if (!isEnabled || !isUnsaved || typeof window === 'undefined') return
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault()
      // Older browsers show the prompt only when returnValue is set.
      event.returnValue = ''
    }
    window.addEventListener('beforeunload', onBeforeUnload)
    return () => window.removeEventListener('beforeunload', onBeforeUnload)
  }, [isEnabled, isUnsaved])
}
