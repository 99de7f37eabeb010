import { ErrorCode, SyncError } from '../../shared/errors.js'
import { accessSubject, RevocationKind, type RevocationStore } from '../auth/revocation-store.js'
import { ROLES, type Role } from '../../shared/roles.js'
import type { DocumentAccess, PeopleStore, Person, Share } from './people-store.js'

/** Who asks: a signed-in person (and whether they administer), or null for someone with only a link. */
export type Viewer = { person: Person; isAdmin: boolean } | null

/** What a document's sharing looks like to someone with access to it. */
export interface SharingView {
  owner: PersonSummary | null
  linkRole: Role | null
  editorsCanShare: boolean
  shares: (Pick<Share, 'email' | 'role'> & { name: string | null })[]
  /** The asker's role. */
  yourRole: Role
  /** The asker may add, change and remove people. */
  canShare: boolean
  /** The asker may change the link, the editors' right to share and the owner. */
  canManage: boolean
}

export interface PersonSummary {
  id: string
  name: string
  email: string | null
  colour: string
}

/** A document a signed-in person reaches, and how. */
export interface ReachableDocument {
  docId: string
  role: Role
}

export interface SharingServiceOptions {
  people: PeopleStore
  /** Where lowered or removed access is revoked, so open connections end (server/auth revocation). */
  revocations: RevocationStore
  documentExists(docId: string): Promise<boolean>
  now?: () => number
}

/** Largest share list one document keeps: a share dialog, not a mailing list. */
export const MAX_SHARES_PER_DOCUMENT = 500

/**
 * The rules of people and documents (docs/security.md, "Sign-in and sharing"): an owner, shares by
 * email with a role, an optional link role, and administrators. It decides the role someone holds;
 * tokens then enforce it everywhere (server/http/auth-routes.ts mints them). Taking access away
 * revokes the tokens it was given with, so open connections end within the revocation poll.
 */
export class SharingService {
  private readonly now: () => number

  constructor(private readonly options: SharingServiceOptions) {
    this.now = options.now ?? Date.now
  }

  /** The strongest role the viewer holds on the document, or null for none. */
  async roleOf(viewer: Viewer, docId: string): Promise<Role | null> {
    const access = await this.options.people.access(docId)
    return strongest([
      viewer?.isAdmin ? 'edit' : null,
      viewer && access?.ownerId === viewer.person.id ? 'edit' : null,
      await this.sharedRole(viewer, docId),
      access?.linkRole ?? null,
    ])
  }

  /**
   * The role to mint a token with. A signed-in person opening an id nobody has used becomes its
   * owner (the document is created by their first connection, as without sign-in); an existing
   * document nobody owns (made before sign-in was on) is for administrators to assign.
   */
  async roleForToken(viewer: Viewer, docId: string): Promise<Role> {
    const role = await this.roleOf(viewer, docId)
    if (role) return role
    if (!viewer) throw new SyncError(ErrorCode.Unauthorized, 'sign in to open this document')
    const access = await this.options.people.access(docId)
    if (!access && !(await this.options.documentExists(docId))) {
      if (await this.options.people.claim(docId, viewer.person.id)) return 'edit'
      // Someone claimed it between our read and our claim: their rules apply.
      const raced = await this.roleOf(viewer, docId)
      if (raced) return raced
    }
    throw new SyncError(ErrorCode.Forbidden, 'you have no access to this document; ask its owner to share it with you')
  }

  /** The document's sharing as the viewer may see it (anyone with access sees who else has it). */
  async describe(viewer: Viewer, docId: string): Promise<SharingView> {
    const yourRole = await this.requireRole(viewer, docId)
    const access = await this.options.people.access(docId)
    const owner = access?.ownerId ? await this.options.people.person(access.ownerId) : null
    const shares = await this.options.people.shares(docId)
    const names = await Promise.all(shares.map((share) => this.options.people.personByEmail(share.email)))
    return {
      owner: owner ? summary(owner) : null,
      linkRole: access?.linkRole ?? null,
      editorsCanShare: access?.editorsCanShare ?? false,
      shares: shares.map((share, index) => ({
        email: share.email,
        role: share.role,
        name: names[index]?.name ?? null,
      })),
      yourRole,
      canShare: canShare(viewer, access, yourRole),
      canManage: canManage(viewer, access),
    }
  }

  /**
   * Shares the document with an email address (replacing that address's role). Changing a role
   * either way revokes the person's tokens: lowered, their connections must end; raised, their open
   * pages learn it the same way (they fetch a token for the new role and reconnect), so the change
   * is live without anything polling.
   */
  async share(viewer: Viewer, docId: string, email: string, role: Role): Promise<void> {
    const person = await this.requireSharer(viewer, docId)
    const address = normaliseEmail(email)
    const shares = await this.options.people.shares(docId)
    const previous = shares.find((share) => share.email === address)
    if (!previous && shares.length >= MAX_SHARES_PER_DOCUMENT) {
      throw new SyncError(
        ErrorCode.BadRequest,
        `a document is shared with at most ${MAX_SHARES_PER_DOCUMENT} addresses`,
      )
    }
    await this.options.people.saveShare({ docId, email: address, role, sharedBy: person.id, createdAt: this.now() })
    if (previous && role !== previous.role) await this.revokeEmail(docId, address)
  }

  /** Takes the address's access away; their open connections end within the revocation poll. */
  async unshare(viewer: Viewer, docId: string, email: string): Promise<void> {
    await this.requireSharer(viewer, docId)
    const address = normaliseEmail(email)
    if (!(await this.options.people.removeShare(docId, address))) {
      throw new SyncError(ErrorCode.NotFound, `${address} has no share in this document`)
    }
    await this.revokeEmail(docId, address)
  }

  /** Changes the link role (null: off) and whether editors may share; owner and administrators only. */
  async updateSettings(
    viewer: Viewer,
    docId: string,
    change: { linkRole?: Role | null; editorsCanShare?: boolean },
  ): Promise<void> {
    const access = await this.requireManager(viewer, docId)
    const next: DocumentAccess = {
      docId,
      ownerId: access?.ownerId ?? null,
      linkRole: change.linkRole === undefined ? (access?.linkRole ?? null) : change.linkRole,
      editorsCanShare: change.editorsCanShare ?? access?.editorsCanShare ?? false,
    }
    await this.options.people.saveAccess(next)
    // A link turned off or down reaches people we cannot name: every token for the document goes,
    // and those who keep access fetch a new one on reconnecting.
    if (access?.linkRole && (next.linkRole === null || rank(next.linkRole) < rank(access.linkRole))) {
      await this.revoke(RevocationKind.Document, docId)
    }
  }

  /** Makes the person with this email the owner; the previous owner keeps only what is shared with them. */
  async transfer(viewer: Viewer, docId: string, email: string): Promise<PersonSummary> {
    const access = await this.requireManager(viewer, docId)
    const next = await this.options.people.personByEmail(normaliseEmail(email))
    if (!next) throw new SyncError(ErrorCode.NotFound, `nobody with the email ${email} has signed in yet`)
    await this.options.people.saveAccess({
      docId,
      ownerId: next.id,
      linkRole: access?.linkRole ?? null,
      editorsCanShare: access?.editorsCanShare ?? false,
    })
    if (access?.ownerId && access.ownerId !== next.id) {
      await this.revoke(RevocationKind.Access, accessSubject(docId, access.ownerId))
    }
    return summary(next)
  }

  /** The documents the person owns and those shared with them (existing ones only), strongest role each. */
  async reachable(person: Person): Promise<{ owned: string[]; shared: ReachableDocument[] }> {
    const owned = await this.options.people.ownedBy(person.id)
    const ownedSet = new Set(owned)
    const shares = person.email ? await this.options.people.sharedWith(person.email) : []
    const shared = shares
      .filter((share) => !ownedSet.has(share.docId))
      .map((share) => ({ docId: share.docId, role: share.role }))
    return { owned, shared }
  }

  private async sharedRole(viewer: Viewer, docId: string): Promise<Role | null> {
    const email = viewer?.person.email
    if (!email) return null
    const shares = await this.options.people.shares(docId)
    return shares.find((share) => share.email === email)?.role ?? null
  }

  private async requireRole(viewer: Viewer, docId: string): Promise<Role> {
    const role = await this.roleOf(viewer, docId)
    if (!role) throw new SyncError(ErrorCode.Forbidden, 'you have no access to this document')
    return role
  }

  private async requireSharer(viewer: Viewer, docId: string): Promise<Person> {
    if (!viewer) throw new SyncError(ErrorCode.Unauthorized, 'sign in to share documents')
    const role = await this.requireRole(viewer, docId)
    const access = await this.options.people.access(docId)
    if (!canShare(viewer, access, role)) {
      throw new SyncError(
        ErrorCode.Forbidden,
        'only the owner (and editors, if the owner allows it) can share this document',
      )
    }
    return viewer.person
  }

  private async requireManager(viewer: Viewer, docId: string): Promise<DocumentAccess | null> {
    if (!viewer) throw new SyncError(ErrorCode.Unauthorized, 'sign in to manage documents')
    const access = await this.options.people.access(docId)
    if (!canManage(viewer, access)) {
      throw new SyncError(ErrorCode.Forbidden, 'only the owner or an administrator can change this')
    }
    if (!access && !viewer.isAdmin) throw new SyncError(ErrorCode.NotFound, `document ${docId} has no owner`)
    return access
  }

  /** Revokes the access of whoever signs in with this email (if anyone has yet). */
  private async revokeEmail(docId: string, email: string): Promise<void> {
    const person = await this.options.people.personByEmail(email)
    if (person) await this.revoke(RevocationKind.Access, accessSubject(docId, person.id))
  }

  private async revoke(kind: RevocationKind, subject: string): Promise<void> {
    // Kept for good (like a user's): tokens from other sources may name the document for long.
    await this.options.revocations.add({ kind, subject, revokedAt: this.now(), expiresAt: null })
  }
}

function canShare(viewer: Viewer, access: DocumentAccess | null, role: Role): boolean {
  if (!viewer) return false
  if (canManage(viewer, access)) return true
  return access?.editorsCanShare === true && role === 'edit'
}

function canManage(viewer: Viewer, access: DocumentAccess | null): boolean {
  if (!viewer) return false
  return viewer.isAdmin || (access !== null && access.ownerId === viewer.person.id)
}

function rank(role: Role): number {
  return ROLES.indexOf(role)
}

function strongest(roles: (Role | null)[]): Role | null {
  let best: Role | null = null
  for (const role of roles) if (role && (best === null || rank(role) > rank(best))) best = role
  return best
}

export function summary(person: Person): PersonSummary {
  return { id: person.id, name: person.name, email: person.email, colour: person.colour }
}

/** Emails compare lowercased, trimmed; anything without one `@` between text is refused. */
export function normaliseEmail(email: string): string {
  const address = email.trim().toLowerCase()
  if (!/^[^\s@]+@[^\s@]+$/.test(address) || address.length > 320) {
    throw new SyncError(ErrorCode.BadRequest, `"${email.slice(0, 100)}" is not an email address`)
  }
  return address
}
