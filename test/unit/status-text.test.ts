import { describe, expect, it } from 'vitest'
import { describeStatus } from '../../client/app/status-text.js'
import { INITIAL_SYNC_STATUS, SyncState, type SyncStatus } from '../../client/provider/sync-status.js'

const status = (patch: Partial<SyncStatus>): SyncStatus => ({ ...INITIAL_SYNC_STATUS, ...patch })

describe('the status pill', () => {
  it('shows no transport over WebSocket, the normal case', () => {
    const shown = describeStatus(status({ state: SyncState.Saved, transport: 'websocket' }))
    expect(shown).toMatchObject({ label: 'Saved', badge: null })
    expect(shown.detail).toBe('All changes stored on the server. Connected over WebSocket.')
  })

  it('shows the fallback transport while it carries the document, and says why in the tooltip', () => {
    const sse = describeStatus(status({ state: SyncState.Saved, transport: 'sse' }))
    expect(sse).toMatchObject({ label: 'Saved', badge: 'via SSE', tone: 'ok' })
    expect(sse.detail).toMatch(/^All changes stored on the server\. Connected over Server-Sent Events\. WebSockets/)
    expect(sse.detail).toContain('nothing is lost')
    const poll = describeStatus(status({ state: SyncState.Saving, transport: 'long-poll', unsyncedChanges: 2 }))
    expect(poll).toMatchObject({ label: 'Saving…', badge: 'via long polling' })
    expect(poll.detail).toContain('store your changes. WebSockets are not getting through')
  })

  it('drops the badge when the connection is gone or refused: the state is the news then', () => {
    expect(describeStatus(status({ state: SyncState.Offline, transport: 'sse' })).badge).toBeNull()
    const refused = status({
      state: SyncState.Error,
      transport: 'long-poll',
      error: { closeCode: 4403, errorCode: 'forbidden', message: 'no access' } as SyncStatus['error'],
    })
    expect(describeStatus(refused)).toMatchObject({ label: 'No access', badge: null })
  })
})
