import { describe, expect, it } from 'vitest'
import { INITIAL_SYNC_STATUS, isStatusChange, type SyncStatus } from '../../client/provider/sync-status.js'

const SAVED: SyncStatus = {
  ...INITIAL_SYNC_STATUS,
  state: 'saved',
  transport: 'websocket',
  isLocalCopyLoaded: true,
  isSynced: true,
  lastSavedAt: 1_000,
}
const OFFLINE: SyncStatus = { ...SAVED, state: 'offline', isSynced: false }

describe('isStatusChange (what onStatusChange fires on)', () => {
  it('is false for an equal status', () => {
    expect(isStatusChange(SAVED, { ...SAVED })).toBe(false)
  })

  it('ignores the local copy catching up with each keystroke', () => {
    expect(isStatusChange(OFFLINE, { ...OFFLINE, isLocalCopyCurrent: true })).toBe(false)
  })

  it('ignores a new unsynced count while the flag stays set (every keystroke offline)', () => {
    const one = { ...OFFLINE, unsyncedChanges: 1, hasUnsyncedChanges: true }
    expect(isStatusChange(one, { ...one, unsyncedChanges: 2 })).toBe(false)
  })

  it('ignores a new save time alone', () => {
    expect(isStatusChange(SAVED, { ...SAVED, lastSavedAt: 2_000 })).toBe(false)
  })

  it('fires on a new state', () => {
    expect(isStatusChange(SAVED, { ...SAVED, state: 'saving' })).toBe(true)
  })

  it('fires on a new transport, including the first one after null', () => {
    expect(isStatusChange(INITIAL_SYNC_STATUS, { ...INITIAL_SYNC_STATUS, transport: 'sse' })).toBe(true)
    expect(isStatusChange(SAVED, { ...SAVED, transport: 'long-poll' })).toBe(true)
  })

  it('fires on an error', () => {
    const error = { closeCode: 4403, errorCode: 'forbidden', message: 'no', reason: 'forbidden: no' }
    expect(isStatusChange(OFFLINE, { ...OFFLINE, state: 'error', error })).toBe(true)
  })

  it('fires when the first unsynced change appears and when the last is saved', () => {
    const kept = { ...OFFLINE, unsyncedChanges: 1, hasUnsyncedChanges: true }
    expect(isStatusChange(OFFLINE, kept)).toBe(true)
    const saving: SyncStatus = { ...SAVED, state: 'saving', unsyncedChanges: 1, hasUnsyncedChanges: true }
    expect(isStatusChange(saving, { ...saving, unsyncedChanges: 0, hasUnsyncedChanges: false })).toBe(true)
  })

  it('fires when the local copy has loaded or the initial exchange completed', () => {
    expect(isStatusChange(INITIAL_SYNC_STATUS, { ...INITIAL_SYNC_STATUS, isLocalCopyLoaded: true })).toBe(true)
    expect(isStatusChange(OFFLINE, { ...OFFLINE, isSynced: true })).toBe(true)
  })
})
