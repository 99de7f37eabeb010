import type { RevocationStore } from '../auth/revocation-store.js'
import type { CommentStore } from '../comments/comment-store.js'
import type { FileStore } from '../files/file-store.js'
import type { VersionStore } from '../history/version-store.js'
import type { SessionStore } from '../auth/session-store.js'
import type { PeopleStore } from '../people/people-store.js'
import type { MentionStore } from '../mentions/mention-store.js'
import type { DocStore } from './doc-store.js'

/**
 * One storage technology (storage/sqlite, storage/postgres, storage/memory): it opens its database
 * once, runs every migration in one place, and hands out the stores it implements. A new store (for
 * comments, for files) is a member here, a table in each backend's migrations and a class in each
 * backend's folder; the compiler then names every backend that lacks it, and the contract suites in
 * test/contracts run against each.
 */
export interface StorageBackend {
  /** Documents and their update logs. */
  readonly docs: DocStore
  /** Saved versions of documents (version history). */
  readonly versions: VersionStore
  /** Revoked tokens, shared by every instance and the CLI that use this storage. */
  readonly revocations: RevocationStore
  /** Comment threads, outside the Y.Doc (server/comments). */
  readonly comments: CommentStore
  /** Uploaded files (images), content-addressed, with the documents that use each (server/files). */
  readonly files: FileStore
  /** Signed-in browsers (OIDC_ISSUER), shared by every instance so any of them serves any session. */
  readonly sessions: SessionStore
  /** People who signed in, document owners and shares (server/people). */
  readonly people: PeopleStore
  /** People mentioned in comments, each person's "Mentions" inbox (server/mentions). */
  readonly mentions: MentionStore
  /**
   * Starts what the first write would otherwise wait for (the SQLite writer thread) and resolves
   * once it is up: a server calls it before it listens, so its first commit costs a commit.
   */
  warm?(): Promise<void>
  /** Commits what the stores hold queued, then releases the database; the stores are unusable after. */
  close(): Promise<void>
}

/** Where a server keeps its data, as its settings name it (DATA_DIR, DATABASE_URL). */
export interface StorageSettings {
  /** postgres://... : the PostgreSQL database the servers use; takes precedence over `dataDir`. */
  databaseUrl?: string
  /** The directory holding SQLite's tandem.db; default DEFAULT_DATA_DIR. */
  dataDir?: string
}

/** Where SQLite keeps tandem.db when DATA_DIR is not set (relative to the working directory). */
export const DEFAULT_DATA_DIR = './data'
