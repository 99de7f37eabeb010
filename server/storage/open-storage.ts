import { errorMessage } from '../../shared/errors.js'
import type { Logger } from '../logger.js'
import { openPostgresStorage } from './postgres/postgres-storage.js'
import { openSqliteStorage } from './sqlite/sqlite-storage.js'
import { DEFAULT_DATA_DIR, type StorageBackend, type StorageSettings } from './storage-backend.js'

/**
 * The one place that turns settings into storage, for the server, the CLI and the revocation helpers
 * alike: PostgreSQL when `databaseUrl` is set, SQLite in `dataDir` otherwise. Either way the schema
 * is migrated before this returns. A failure names the setting to fix; for PostgreSQL never its
 * value (the URL may carry a password).
 */
export async function openStorage(settings: StorageSettings, log?: Logger): Promise<StorageBackend> {
  if (!settings.databaseUrl) {
    const dataDir = settings.dataDir ?? DEFAULT_DATA_DIR
    try {
      return openSqliteStorage({ dataDir })
    } catch (error) {
      throw new Error(`cannot open the SQLite database in DATA_DIR (${dataDir}): ${errorMessage(error)}`)
    }
  }
  try {
    return await openPostgresStorage({ connectionString: settings.databaseUrl, log })
  } catch (error) {
    throw new Error(`cannot open PostgreSQL at DATABASE_URL: ${errorMessage(error)}`)
  }
}
