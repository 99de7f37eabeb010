import type Database from 'better-sqlite3'

/**
 * Every table of every SQLite store, in order; PRAGMA user_version records the last one run. A new
 * store's tables are a new entry at the end: never edit one that has shipped.
 */
export const SQLITE_MIGRATIONS: string[] = [
  `CREATE TABLE documents (
     doc_id     TEXT PRIMARY KEY,
     title      TEXT NOT NULL DEFAULT '',
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL
   );
   -- One table for the log and its snapshot: load is a single ordered range scan.
   CREATE TABLE updates (
     seq         INTEGER PRIMARY KEY AUTOINCREMENT,
     doc_id      TEXT NOT NULL,
     data        BLOB NOT NULL,
     is_snapshot INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX updates_by_doc ON updates (doc_id, seq);
   CREATE TABLE quarantine (
     doc_id         TEXT NOT NULL,
     seq            INTEGER NOT NULL,
     data           BLOB NOT NULL,
     reason         TEXT NOT NULL,
     quarantined_at INTEGER NOT NULL
   );
   CREATE INDEX updates_docs_by_time ON documents (updated_at);`,
  // Version history and token revocations were created by their own stores before they became
  // migrations; IF NOT EXISTS adopts those tables.
  `CREATE TABLE IF NOT EXISTS versions (
     id         INTEGER PRIMARY KEY AUTOINCREMENT,
     doc_id     TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     name       TEXT,
     authors    TEXT NOT NULL,
     size_bytes INTEGER NOT NULL,
     state      BLOB NOT NULL
   );
   CREATE INDEX IF NOT EXISTS versions_by_doc ON versions (doc_id, created_at);`,
  `CREATE TABLE IF NOT EXISTS revocations (
     id         INTEGER PRIMARY KEY AUTOINCREMENT,
     kind       TEXT NOT NULL,
     subject    TEXT NOT NULL,
     revoked_at INTEGER NOT NULL,
     expires_at INTEGER
   );
   CREATE INDEX IF NOT EXISTS revocations_by_expiry ON revocations (expires_at);`,
  // Comment threads (server/comments): outside the Y.Doc, so the server enforces authorship.
  `CREATE TABLE threads (
     doc_id       TEXT NOT NULL,
     id           TEXT NOT NULL,
     status       TEXT NOT NULL,
     quote        TEXT NOT NULL,
     anchor_start TEXT,
     anchor_end   TEXT,
     created_at   INTEGER NOT NULL,
     updated_at   INTEGER NOT NULL,
     PRIMARY KEY (doc_id, id)
   );
   -- seq orders comments as written, whatever their clocks said.
   CREATE TABLE comments (
     seq             INTEGER PRIMARY KEY AUTOINCREMENT,
     doc_id          TEXT NOT NULL,
     thread_id       TEXT NOT NULL,
     id              TEXT NOT NULL,
     body            TEXT NOT NULL,
     author_id       TEXT NOT NULL,
     author_name     TEXT NOT NULL,
     author_verified INTEGER NOT NULL,
     created_at      INTEGER NOT NULL,
     edited_at       INTEGER,
     UNIQUE (doc_id, thread_id, id)
   );
   CREATE INDEX comments_by_doc ON comments (doc_id, seq);`,
  // Uploaded files (server/files): content-addressed blobs, and which documents use each.
  `CREATE TABLE files (
     id         TEXT PRIMARY KEY,
     type       TEXT NOT NULL,
     width      INTEGER NOT NULL,
     height     INTEGER NOT NULL,
     size_bytes INTEGER NOT NULL,
     data       BLOB NOT NULL
   );
   CREATE TABLE file_refs (
     doc_id  TEXT NOT NULL,
     file_id TEXT NOT NULL,
     PRIMARY KEY (doc_id, file_id)
   );
   CREATE INDEX file_refs_by_file ON file_refs (file_id);`,
  // 6: a thread may discuss a suggestion (shared/comments.ts, Thread.suggestionId); null for the rest.
  `ALTER TABLE threads ADD COLUMN suggestion_id TEXT;`,
  // Sign-in (server/people, server/auth/session-store.ts): people, their sessions, document owners
  // and shares. Emails are stored lowercased; session ids are hashes of the cookies' secrets.
  `CREATE TABLE people (
     id           TEXT PRIMARY KEY,
     name         TEXT NOT NULL,
     email        TEXT,
     colour       TEXT NOT NULL,
     created_at   INTEGER NOT NULL,
     last_seen_at INTEGER NOT NULL
   );
   CREATE INDEX people_by_email ON people (email);
   CREATE TABLE sessions (
     id          TEXT PRIMARY KEY,
     person_id   TEXT NOT NULL,
     csrf_token  TEXT NOT NULL,
     id_token    TEXT,
     created_at  INTEGER NOT NULL,
     expires_at  INTEGER NOT NULL
   );
   CREATE INDEX sessions_by_person ON sessions (person_id);
   CREATE INDEX sessions_by_expiry ON sessions (expires_at);
   CREATE TABLE document_access (
     doc_id            TEXT PRIMARY KEY,
     owner_id          TEXT,
     link_role         TEXT,
     editors_can_share INTEGER NOT NULL
   );
   CREATE INDEX document_access_by_owner ON document_access (owner_id);
   -- seq keeps shares in the order given (a replaced role keeps its place).
   CREATE TABLE document_shares (
     seq        INTEGER PRIMARY KEY AUTOINCREMENT,
     doc_id     TEXT NOT NULL,
     email      TEXT NOT NULL,
     role       TEXT NOT NULL,
     shared_by  TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     UNIQUE (doc_id, email)
   );
   CREATE INDEX document_shares_by_email ON document_shares (email);`,
  // 8: mentions (server/mentions): one row per person mentioned in a comment, addressed by email
  // like shares. The unique key is what keeps an edited comment from mentioning someone twice.
  `CREATE TABLE mentions (
     seq         INTEGER PRIMARY KEY AUTOINCREMENT,
     id          TEXT NOT NULL UNIQUE,
     doc_id      TEXT NOT NULL,
     thread_id   TEXT NOT NULL,
     comment_id  TEXT NOT NULL,
     email       TEXT NOT NULL,
     author_id   TEXT NOT NULL,
     author_name TEXT NOT NULL,
     excerpt     TEXT NOT NULL,
     created_at  INTEGER NOT NULL,
     read_at     INTEGER,
     UNIQUE (doc_id, thread_id, comment_id, email)
   );
   CREATE INDEX mentions_by_email ON mentions (email, seq);`,
]

/** Runs the migrations the file has not had yet, each in its own transaction. */
export function migrateSqlite(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number
  if (current > SQLITE_MIGRATIONS.length) {
    throw new Error(
      `database schema version ${current} is newer than this Tandem build supports (${SQLITE_MIGRATIONS.length}); upgrade Tandem`,
    )
  }
  for (let version = current; version < SQLITE_MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(SQLITE_MIGRATIONS[version] as string)
      db.pragma(`user_version = ${version + 1}`)
    })()
  }
}
