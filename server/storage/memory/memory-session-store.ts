import type { Session, SessionStore } from '../../auth/session-store.js'

/** Sessions in process memory: for tests and throwaway servers (one instance sees them). */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Session>()

  async create(session: Session): Promise<void> {
    // As the SQL stores' primary key does: ids are random, so a clash is a bug to surface.
    if (this.sessions.has(session.id)) throw new Error(`session ${session.id} exists already`)
    this.sessions.set(session.id, { ...session })
  }

  async get(id: string): Promise<Session | null> {
    const session = this.sessions.get(id)
    return session ? { ...session } : null
  }

  async delete(id: string): Promise<boolean> {
    return this.sessions.delete(id)
  }

  async deleteForPerson(personId: string): Promise<number> {
    let deleted = 0
    for (const [id, session] of this.sessions) {
      if (session.personId === personId && this.sessions.delete(id)) deleted++
    }
    return deleted
  }

  async prune(now: number): Promise<number> {
    let pruned = 0
    for (const [id, session] of this.sessions) {
      if (session.expiresAt < now && this.sessions.delete(id)) pruned++
    }
    return pruned
  }
}
