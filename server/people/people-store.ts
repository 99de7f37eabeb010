import type { Role } from '../../shared/roles.js'

/** Someone who signed in through the identity provider (OIDC_ISSUER). */
export interface Person {
  /** The provider's `sub`: stable for the person, whatever their name or email becomes. */
  id: string
  name: string
  /** Lowercased; null when the provider gives none or says it is unverified (then nothing is shared by it). */
  email: string | null
  /** Caret and avatar colour, `#rrggbb`, chosen at first sign-in. */
  colour: string
  /** Milliseconds since the epoch. */
  createdAt: number
  /** Milliseconds since the epoch: the latest sign-in. */
  lastSeenAt: number
}

export type NewPerson = Omit<Person, 'createdAt' | 'lastSeenAt'>

/** Who owns a document and what its link grants; a document without a row predates sign-in. */
export interface DocumentAccess {
  docId: string
  /** The owner's person id; null when ownership was never claimed. */
  ownerId: string | null
  /** What anyone with the document's address gets (signed in or not); null: link sharing off. */
  linkRole: Role | null
  /** True when people with the edit role may share it too (the owner's choice). */
  editorsCanShare: boolean
}

/** One person's access to one document, by email, so it can be given before they ever sign in. */
export interface Share {
  docId: string
  /** Lowercased. */
  email: string
  role: Role
  /** The person id of whoever shared it. */
  sharedBy: string
  /** Milliseconds since the epoch. */
  createdAt: number
}

/**
 * People, document ownership and sharing (server/people). Implementations: storage/memory,
 * storage/sqlite, storage/postgres; all pass test/contracts/people-store.test.ts. The rules (who may
 * share what) live in SharingService; this only stores.
 */
export interface PeopleStore {
  /** Creates the person, or refreshes name and email of one seen before (keeping id, colour and createdAt). */
  savePerson(person: NewPerson, now: number): Promise<Person>
  /** The person with this id, or null. */
  person(id: string): Promise<Person | null>
  /** The person with this (lowercased) email, or null; the most recently seen if several share it. */
  personByEmail(email: string): Promise<Person | null>
  /** The document's access row, or null when nobody ever claimed it. */
  access(docId: string): Promise<DocumentAccess | null>
  /** Makes `ownerId` the owner only if the document has no access row yet; true when it did. */
  claim(docId: string, ownerId: string): Promise<boolean>
  /** Writes the access row (creating it), replacing owner, link role and the editors' right to share. */
  saveAccess(access: DocumentAccess): Promise<void>
  /** Shares of the document, oldest first. */
  shares(docId: string): Promise<Share[]>
  /** Adds or replaces the share for (docId, email). */
  saveShare(share: Share): Promise<void>
  /** Removes the share; true when there was one. */
  removeShare(docId: string, email: string): Promise<boolean>
  /** Ids of the documents this person owns. */
  ownedBy(personId: string): Promise<string[]>
  /** The shares addressed to this (lowercased) email. */
  sharedWith(email: string): Promise<Share[]>
  /** Forgets the document's owner, link and shares (the document was deleted). */
  forgetDocument(docId: string): Promise<void>
}
