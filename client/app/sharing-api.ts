import { ApiError, type DocumentSummary } from './docs-api.js'
import { currentSession } from './sign-in.js'
import type { Role } from '../../shared/roles.js'

/**
 * People and sharing (docs/operations.md, "API for the web app"): authorised by the session cookie,
 * not by a document token; every change carries the session's CSRF token.
 */

export interface PersonSummary {
  id: string
  name: string
  email: string | null
  colour: string
}

/** A document's sharing as GET /api/docs/<docId>/sharing describes it to someone with access. */
export interface Sharing {
  owner: PersonSummary | null
  /** Anyone with the address gets this role (signed in or not); null: only the people listed. */
  linkRole: Role | null
  editorsCanShare: boolean
  shares: { email: string; role: Role; name: string | null }[]
  yourRole: Role
  /** The asker may add, change and remove people. */
  canShare: boolean
  /** The asker may change the link, the editors' right to share and the owner. */
  canManage: boolean
}

/** The signed-in person's documents (GET /api/me/documents), newest first. */
export interface MyDocuments {
  owned: ListedDocument[]
  shared: (ListedDocument & { role: Role })[]
  /** Every document; administrators only. */
  all?: ListedDocument[]
}

export type ListedDocument = Omit<DocumentSummary, 'sizeBytes'>

async function call<T>(path: string, method = 'GET', body?: unknown): Promise<T> {
  const session = await currentSession()
  const response = await fetch(path, {
    method,
    headers: {
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(session.kind === 'signed-in' ? { 'X-CSRF-Token': session.csrfToken } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!response.ok) {
    const answer = (await response.json().catch(() => null)) as { error?: string; message?: string } | null
    throw new ApiError(response.status, answer?.error ?? 'http-error', answer?.message ?? `HTTP ${response.status}`)
  }
  return (response.status === 204 ? undefined : await response.json()) as T
}

function sharingPath(docId: string, rest = ''): string {
  return `/api/docs/${encodeURIComponent(docId)}/sharing${rest}`
}

export function myDocuments(): Promise<MyDocuments> {
  return call<MyDocuments>('/api/me/documents')
}

export function getSharing(docId: string): Promise<Sharing> {
  return call<Sharing>(sharingPath(docId))
}

/** Shares with an email address, or changes that address's role. */
export function sharePerson(docId: string, email: string, role: Role): Promise<Sharing> {
  return call<Sharing>(sharingPath(docId, `/people/${encodeURIComponent(email)}`), 'PUT', { role })
}

/** Takes an address's access away; answers the sharing as it is afterwards. */
export async function unsharePerson(docId: string, email: string): Promise<Sharing> {
  await call<void>(sharingPath(docId, `/people/${encodeURIComponent(email)}`), 'DELETE')
  return getSharing(docId)
}

export function updateSharing(
  docId: string,
  change: { linkRole?: Role | null; editorsCanShare?: boolean },
): Promise<Sharing> {
  return call<Sharing>(sharingPath(docId), 'PATCH', change)
}

export function transferOwnership(docId: string, email: string): Promise<Sharing> {
  return call<Sharing>(sharingPath(docId, '/owner'), 'PUT', { email })
}
