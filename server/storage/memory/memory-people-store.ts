import type { DocumentAccess, NewPerson, PeopleStore, Person, Share } from '../../people/people-store.js'

/** People and sharing in process memory: for tests and throwaway servers. */
export class MemoryPeopleStore implements PeopleStore {
  private readonly people = new Map<string, Person>()
  private readonly accessByDoc = new Map<string, DocumentAccess>()
  /** Per document, shares by email, in insertion order (a Map keeps it). */
  private readonly sharesByDoc = new Map<string, Map<string, Share>>()

  async savePerson(person: NewPerson, now: number): Promise<Person> {
    const known = this.people.get(person.id)
    const saved: Person = known
      ? { ...known, name: person.name, email: person.email, lastSeenAt: now }
      : { ...person, createdAt: now, lastSeenAt: now }
    this.people.set(person.id, saved)
    return { ...saved }
  }

  async person(id: string): Promise<Person | null> {
    const person = this.people.get(id)
    return person ? { ...person } : null
  }

  async personByEmail(email: string): Promise<Person | null> {
    let found: Person | null = null
    for (const person of this.people.values()) {
      if (person.email === email && (!found || person.lastSeenAt > found.lastSeenAt)) found = person
    }
    return found ? { ...found } : null
  }

  async access(docId: string): Promise<DocumentAccess | null> {
    const access = this.accessByDoc.get(docId)
    return access ? { ...access } : null
  }

  async claim(docId: string, ownerId: string): Promise<boolean> {
    if (this.accessByDoc.has(docId)) return false
    this.accessByDoc.set(docId, { docId, ownerId, linkRole: null, editorsCanShare: false })
    return true
  }

  async saveAccess(access: DocumentAccess): Promise<void> {
    this.accessByDoc.set(access.docId, { ...access })
  }

  async shares(docId: string): Promise<Share[]> {
    return [...(this.sharesByDoc.get(docId)?.values() ?? [])].map((share) => ({ ...share }))
  }

  async saveShare(share: Share): Promise<void> {
    let shares = this.sharesByDoc.get(share.docId)
    if (!shares) this.sharesByDoc.set(share.docId, (shares = new Map()))
    const known = shares.get(share.email)
    // Replacing a role keeps the share's place (and its first date), as the SQL stores do.
    shares.set(share.email, known ? { ...known, role: share.role, sharedBy: share.sharedBy } : { ...share })
  }

  async removeShare(docId: string, email: string): Promise<boolean> {
    return this.sharesByDoc.get(docId)?.delete(email) ?? false
  }

  async ownedBy(personId: string): Promise<string[]> {
    return [...this.accessByDoc.values()].filter((access) => access.ownerId === personId).map((access) => access.docId)
  }

  async sharedWith(email: string): Promise<Share[]> {
    const found: Share[] = []
    for (const shares of this.sharesByDoc.values()) {
      const share = shares.get(email)
      if (share) found.push({ ...share })
    }
    return found
  }

  async forgetDocument(docId: string): Promise<void> {
    this.accessByDoc.delete(docId)
    this.sharesByDoc.delete(docId)
  }
}
