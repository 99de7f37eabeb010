import { describe, expect, it } from 'vitest'
import { deriveSyncState, SyncState, type SyncFacts } from '../../client/provider/sync-status.js'

/** A session that has just started: nothing happened yet. */
const START: SyncFacts = {
  failure: null,
  hasLostConnection: false,
  isSocketOpen: false,
  hasReceivedMessage: false,
  hasReceivedSyncStep1: false,
  isSynced: false,
  updateFramesSent: 0,
  updateFramesAcked: 0,
}
/** The server answered on an open socket. */
const ANSWERED = { isSocketOpen: true, hasReceivedMessage: true }
/** ...and the initial exchange completed both ways. */
const SYNCED = { ...ANSWERED, hasReceivedSyncStep1: true, isSynced: true }
const DROPPED = { hasLostConnection: true, isSocketOpen: false }
const REFUSED = {
  closeCode: 4404,
  errorCode: 'document-deleted',
  message: 'This document was deleted.',
  reason: 'document-deleted: gone',
}

const stateOf = (...patches: Partial<SyncFacts>[]) => deriveSyncState(Object.assign({ ...START }, ...patches))

describe('deriveSyncState', () => {
  describe('connecting', () => {
    it('is where a session starts', () => {
      expect(stateOf()).toBe(SyncState.Connecting)
    })

    it('holds while the socket is open but the server has not spoken (it may still refuse)', () => {
      expect(stateOf({ isSocketOpen: true })).toBe(SyncState.Connecting)
    })

    it('holds without an open socket, whatever arrived on one before', () => {
      expect(stateOf({ hasReceivedMessage: true, hasReceivedSyncStep1: true, isSynced: true })).toBe(
        SyncState.Connecting,
      )
    })
  })

  describe('connected', () => {
    it('follows connecting once the server answers on an open socket', () => {
      expect(stateOf(ANSWERED)).toBe(SyncState.Connected)
    })

    it('holds until the server has sent its sync step 1', () => {
      expect(stateOf(ANSWERED, { isSynced: true })).toBe(SyncState.Connected)
    })

    it('holds until the initial exchange completes, even after the sync step 1', () => {
      expect(stateOf(ANSWERED, { hasReceivedSyncStep1: true })).toBe(SyncState.Connected)
    })

    it('is what a reconnect reaches once the server answers again after a drop', () => {
      expect(stateOf(DROPPED, ANSWERED)).toBe(SyncState.Connected)
    })
  })

  describe('saved', () => {
    it('follows connected once synced with no local change sent', () => {
      expect(stateOf(SYNCED)).toBe(SyncState.Saved)
    })

    it('follows saving once every sent update is acknowledged', () => {
      expect(stateOf(SYNCED, { updateFramesSent: 3, updateFramesAcked: 3 })).toBe(SyncState.Saved)
    })

    it('holds when acknowledgements outnumber the updates counted', () => {
      expect(stateOf(SYNCED, { updateFramesSent: 2, updateFramesAcked: 3 })).toBe(SyncState.Saved)
    })
  })

  describe('saving', () => {
    it('follows saved when a local update is sent and not yet acknowledged', () => {
      expect(stateOf(SYNCED, { updateFramesSent: 1 })).toBe(SyncState.Saving)
    })

    it('holds while any sent update awaits its acknowledgement', () => {
      expect(stateOf(SYNCED, { updateFramesSent: 3, updateFramesAcked: 2 })).toBe(SyncState.Saving)
    })

    it('is not shown before the initial exchange completes, however many updates wait', () => {
      expect(stateOf(ANSWERED, { hasReceivedSyncStep1: true, updateFramesSent: 4 })).toBe(SyncState.Connected)
    })

    it('is what a reconnect reaches when it syncs with updates still unacknowledged', () => {
      expect(stateOf(DROPPED, SYNCED, { updateFramesSent: 2 })).toBe(SyncState.Saving)
    })
  })

  describe('offline', () => {
    it('follows connecting when the first attempt fails', () => {
      expect(stateOf({ hasLostConnection: true })).toBe(SyncState.Offline)
    })

    it('follows saved when the socket drops, whatever the dead connection had reached', () => {
      expect(stateOf(SYNCED, DROPPED)).toBe(SyncState.Offline)
    })

    it('follows saving when the socket drops with updates unacknowledged', () => {
      expect(stateOf(SYNCED, { updateFramesSent: 2 }, DROPPED)).toBe(SyncState.Offline)
    })

    it('holds while a reconnect attempt has an open socket the server has not answered on', () => {
      expect(stateOf(DROPPED, { isSocketOpen: true })).toBe(SyncState.Offline)
    })
  })

  describe('error', () => {
    it('follows connecting when the server refuses the first attempt', () => {
      expect(stateOf({ failure: REFUSED })).toBe(SyncState.Error)
    })

    it('follows saved when the server refuses the session for good', () => {
      expect(stateOf(SYNCED, { failure: REFUSED })).toBe(SyncState.Error)
    })

    it('wins over offline: a refusal is not retried', () => {
      expect(stateOf(DROPPED, { failure: REFUSED })).toBe(SyncState.Error)
    })
  })
})
