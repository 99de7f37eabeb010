import type { DocStore } from '../doc-store.js'
import type { StorageBackend } from '../storage-backend.js'
import { MemoryCommentStore } from './memory-comment-store.js'
import { MemoryDocStore } from './memory-doc-store.js'
import { MemoryFileStore } from './memory-file-store.js'
import { MemoryRevocationStore } from './memory-revocation-store.js'
import { MemoryVersionStore } from './memory-version-store.js'
import { MemoryPeopleStore } from './memory-people-store.js'
import { MemorySessionStore } from './memory-session-store.js'
import { MemoryMentionStore } from './memory-mention-store.js'

export interface MemorySettings {
  /** The documents, when a test brings its own store (one that fails on cue, say); a MemoryDocStore otherwise. */
  docs?: DocStore
  /** The clock for timestamps the stores write; Date.now unless a test needs another. */
  now?: () => number
}

/** Everything in process memory and gone when it ends: for tests and throwaway servers, never the default. */
export class MemoryStorage implements StorageBackend {
  readonly docs: DocStore
  readonly versions = new MemoryVersionStore()
  readonly revocations = new MemoryRevocationStore()
  readonly comments = new MemoryCommentStore()
  readonly files = new MemoryFileStore()
  readonly sessions = new MemorySessionStore()
  readonly people = new MemoryPeopleStore()
  readonly mentions = new MemoryMentionStore()

  constructor(settings: MemorySettings = {}) {
    this.docs = settings.docs ?? new MemoryDocStore(settings.now)
  }

  close(): Promise<void> {
    return this.docs.close()
  }
}

export function createMemoryStorage(settings: MemorySettings = {}): MemoryStorage {
  return new MemoryStorage(settings)
}
