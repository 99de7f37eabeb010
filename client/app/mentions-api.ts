/** The signed-in person's "Mentions" (docs/operations.md, "API for the web app"): GET /api/me/mentions. */
import type { InboxMention, InboxPage } from '../../shared/mentions.js'

export type { InboxMention, InboxPage }

/** How many mentions one page shows. */
export const INBOX_PAGE_SIZE = 20

/** A page of mentions, older than `before` when given; `limit: 1` when only the unread count is wanted. */
export async function loadMentions(before?: string, limit = INBOX_PAGE_SIZE): Promise<InboxPage> {
  const query = new URLSearchParams({ limit: String(limit) })
  if (before) query.set('before', before)
  const response = await fetch(`/api/me/mentions?${query}`, { headers: { Accept: 'application/json' } })
  if (!response.ok) throw new Error(await failure(response, 'Could not load your mentions.'))
  return (await response.json()) as InboxPage
}

/** Marks the mentions read; resolves with the unread count left. */
export async function markMentionsRead(ids: string[], csrfToken: string): Promise<number> {
  const response = await fetch('/api/me/mentions/read', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrfToken },
    body: JSON.stringify({ ids }),
  })
  if (!response.ok) throw new Error(await failure(response, 'Could not mark your mentions read.'))
  return ((await response.json()) as { unreadCount: number }).unreadCount
}

/** Where a mention leads: its document, opened on its thread (the editor reads `#thread-<id>`). */
export function mentionHref(mention: Pick<InboxMention, 'docId' | 'threadId'>): string {
  return `/d/${encodeURIComponent(mention.docId)}#thread-${encodeURIComponent(mention.threadId)}`
}

async function failure(response: Response, fallback: string): Promise<string> {
  const body = (await response.json().catch(() => null)) as { message?: string } | null
  return body?.message ?? `${fallback} (HTTP ${response.status})`
}
