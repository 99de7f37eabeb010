import type { NewRevocation, Revocation, RevocationStore } from '../../auth/revocation-store.js'

/** Revocations in process memory: for tests and throwaway servers (one process sees them). */
export class MemoryRevocationStore implements RevocationStore {
  private readonly entries: Revocation[] = []
  private nextId = 1

  async add(revocation: NewRevocation): Promise<Revocation> {
    const entry = { ...revocation, id: this.nextId++ }
    this.entries.push(entry)
    return { ...entry }
  }

  async listSince(afterId: number): Promise<Revocation[]> {
    return this.entries.filter((entry) => entry.id > afterId).map((entry) => ({ ...entry }))
  }

  async prune(now: number): Promise<number> {
    let pruned = 0
    for (let index = this.entries.length - 1; index >= 0; index--) {
      const expiresAt = this.entries[index]!.expiresAt
      if (expiresAt !== null && expiresAt < now) {
        this.entries.splice(index, 1)
        pruned++
      }
    }
    return pruned
  }
}
