import type { FileInfo, FileStore, NewFile, StoredFile } from '../../files/file-store.js'
import type { SqliteDatabase } from './sqlite-database.js'

const INFO_COLUMNS = 'f.id, f.type, f.width, f.height, f.size_bytes AS sizeBytes'
const REFERENCED = 'FROM file_refs r JOIN files f ON f.id = r.file_id WHERE r.doc_id = ? AND r.file_id = ?'

/**
 * Files as blobs in the same SQLite file as the documents, so `tandem backup` holds them too.
 * Writes go through the writer thread like every other write; its single connection serialises
 * them, so a document's deletion and another document's upload of the same bytes cannot interleave.
 */
export class SqliteFileStore implements FileStore {
  private readonly statements

  constructor(private readonly database: SqliteDatabase) {
    const db = database.reader
    this.statements = {
      info: db.prepare(`SELECT ${INFO_COLUMNS} ${REFERENCED}`),
      get: db.prepare(`SELECT ${INFO_COLUMNS}, f.data ${REFERENCED}`),
      usage: db.prepare('SELECT COUNT(*) AS files, COALESCE(SUM(size_bytes), 0) AS bytes FROM files'),
    }
  }

  async put(docId: string, file: NewFile): Promise<FileInfo> {
    await this.database.write([
      {
        sql: 'INSERT OR IGNORE INTO files (id, type, width, height, size_bytes, data) VALUES (?, ?, ?, ?, ?, ?)',
        params: [file.id, file.type, file.width, file.height, file.bytes.byteLength, file.bytes],
      },
      { sql: 'INSERT OR IGNORE INTO file_refs (doc_id, file_id) VALUES (?, ?)', params: [docId, file.id] },
    ])
    return (await this.info(docId, file.id))!
  }

  async info(docId: string, fileId: string): Promise<FileInfo | null> {
    return (this.statements.info.get(docId, fileId) as FileInfo | undefined) ?? null
  }

  async get(docId: string, fileId: string): Promise<StoredFile | null> {
    const row = this.statements.get.get(docId, fileId) as (FileInfo & { data: Buffer }) | undefined
    if (!row) return null
    const { data, ...info } = row
    return { ...info, bytes: new Uint8Array(data) }
  }

  async deleteDocument(docId: string): Promise<number> {
    const [removed] = await this.database.write([
      // Before the references go, while they still say which files were this document's.
      {
        sql:
          'DELETE FROM files WHERE id IN (SELECT file_id FROM file_refs WHERE doc_id = ?) ' +
          'AND NOT EXISTS (SELECT 1 FROM file_refs o WHERE o.file_id = files.id AND o.doc_id <> ?)',
        params: [docId, docId],
      },
      { sql: 'DELETE FROM file_refs WHERE doc_id = ?', params: [docId] },
    ])
    return removed!.changes
  }

  async usage(): Promise<{ files: number; bytes: number }> {
    return this.statements.usage.get() as { files: number; bytes: number }
  }
}
