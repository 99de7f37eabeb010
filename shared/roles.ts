/**
 * What a token allows: `view` < `comment` < `edit` (docs/security.md, "Roles"). The server enforces
 * it; the client reads the role (unverified) only to pick which buttons and modes to offer.
 */
export const Role = {
  Edit: 'edit',
  /** Reads the document and its threads, writes threads and replies; changes the content by no path. */
  Comment: 'comment',
  View: 'view',
} as const
export type Role = (typeof Role)[keyof typeof Role]

/** Every role, weakest first: the order zod enums, the CLI and the share dialog offer them in. */
export const ROLES = [Role.View, Role.Comment, Role.Edit] as const

/** True for one of the three roles (a claim read without a schema, say). */
export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value)
}
