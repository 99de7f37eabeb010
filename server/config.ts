import path from 'node:path'
import { z } from 'zod'
import {
  APPLY_BUDGET_BURST_MS,
  APPLY_BUDGET_MS_PER_SECOND,
  AWARENESS_TICK_MS,
  COMMENTS_PER_MINUTE,
  CONNECTION_ATTEMPTS_PER_SECOND,
  MAX_BYTES_PER_SECOND,
  MAX_COMMENTS_PER_THREAD,
  MAX_CONNECTIONS_PER_ADDRESS,
  MAX_FRAME_BYTES,
  MAX_MESSAGES_PER_SECOND,
  MAX_THREADS_PER_DOCUMENT,
  MAX_UPLOAD_BYTES,
  MESSAGE_BURST,
  MIN_WEBHOOK_SECRET_LENGTH,
  REVOCATION_POLL_MS,
  UPLOADS_PER_MINUTE,
  WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS,
} from '../shared/limits.js'
import { checkTrustedProxies } from './http/client-address.js'
import { LOG_LEVELS, type LogLevel } from './logger.js'
import type { ServerLimits } from './server-limits.js'
import { DEFAULT_DATA_DIR } from './storage/storage-backend.js'

/**
 * Every setting: its environment variable, its CLI flag and its default. Precedence is
 * flag > environment > default. The CLI's --help, the README table and validation all read this.
 */
export const SETTINGS = {
  port: { env: 'PORT', flag: '--port <port>', default: '1234', help: 'TCP port for HTTP, WebSocket and SSE' },
  host: { env: 'HOST', flag: '--host <host>', default: '127.0.0.1', help: 'interface to listen on (0.0.0.0 for all)' },
  dataDir: {
    env: 'DATA_DIR',
    flag: '--data-dir <dir>',
    default: DEFAULT_DATA_DIR,
    help: 'where the SQLite database lives',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    flag: '--database-url <url>',
    default: undefined,
    help: 'postgres://... selects PostgreSQL instead of SQLite',
  },
  redisUrl: {
    env: 'REDIS_URL',
    flag: '--redis-url <url>',
    default: undefined,
    help: 'redis://... enables fan-out between instances',
  },
  authSecret: {
    env: 'AUTH_SECRET',
    flag: '--auth-secret <secret>',
    default: undefined,
    help: 'enables signed tokens (at least 32 characters)',
  },
  allowedOrigins: {
    env: 'ALLOWED_ORIGINS',
    flag: '--allowed-origins <list>',
    default: undefined,
    help: 'comma-separated origins allowed to connect from browsers (default: any)',
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    flag: '--trust-proxy <list>',
    default: undefined,
    help: 'proxies whose X-Forwarded-For names the client (per-address limits), comma-separated: loopback, uniquelocal, addresses or CIDRs (default: none)',
  },
  logLevel: {
    env: 'LOG_LEVEL',
    flag: '--log-level <level>',
    default: 'info',
    help: `one of ${LOG_LEVELS.join(', ')}`,
  },
  iceServers: {
    env: 'ICE_SERVERS',
    flag: '--ice-servers <json>',
    default: undefined,
    help: 'STUN/TURN servers for peer-to-peer presence, a JSON array like [{"urls":"stun:stun.example.com"}]',
  },
  p2pPresence: {
    env: 'P2P_PRESENCE',
    flag: '--p2p-presence <on|off>',
    default: 'on',
    help: "off keeps cursors on the server relay (WebRTC shows collaborators each other's IP addresses)",
  },
  maxFrameBytes: {
    env: 'MAX_FRAME_BYTES',
    flag: '--max-frame-bytes <bytes>',
    default: String(MAX_FRAME_BYTES),
    help: 'largest frame or request body accepted from a client',
  },
  maxConnectionsPerAddress: {
    env: 'MAX_CONNECTIONS_PER_ADDRESS',
    flag: '--max-connections-per-address <n>',
    default: String(MAX_CONNECTIONS_PER_ADDRESS),
    help: 'connections one client address may hold open (WebSockets, HTTP sessions and signalling together; an office behind one NAT address counts once); 0 = no cap',
  },
  connectionAttemptsPerSecond: {
    env: 'CONNECTION_ATTEMPTS_PER_SECOND',
    flag: '--connection-attempts-per-second <n>',
    default: String(CONNECTION_ATTEMPTS_PER_SECOND),
    help: 'new connections one client address may open per second, with ten seconds worth at once (stops connect floods without refusing an office); 0 = no limit',
  },
  maxMessagesPerSecond: {
    env: 'MAX_MESSAGES_PER_SECOND',
    flag: '--max-messages-per-second <n>',
    default: String(MAX_MESSAGES_PER_SECOND),
    help: 'messages per second one connection may send, sustained (more closes it with 4529); 0 = no limit',
  },
  messageBurst: {
    env: 'MESSAGE_BURST',
    flag: '--message-burst <n>',
    default: String(MESSAGE_BURST),
    help: 'messages a connection may send at once above the sustained rate (a paste, a reconnect)',
  },
  maxBytesPerSecond: {
    env: 'MAX_BYTES_PER_SECOND',
    flag: '--max-bytes-per-second <bytes>',
    default: String(MAX_BYTES_PER_SECOND),
    help: 'bytes per second one connection may send, sustained (the burst is the first-sync size); 0 = no limit',
  },
  applyBudgetMsPerSecond: {
    env: 'APPLY_BUDGET_MS_PER_SECOND',
    flag: '--apply-budget-ms-per-second <ms>',
    default: String(APPLY_BUDGET_MS_PER_SECOND),
    help: "CPU milliseconds per second the server spends applying one connection's updates, sustained (crafted updates can be slow to apply); 0 = no limit",
  },
  applyBudgetBurstMs: {
    env: 'APPLY_BUDGET_BURST_MS',
    flag: '--apply-budget-burst-ms <ms>',
    default: String(APPLY_BUDGET_BURST_MS),
    help: "CPU milliseconds the server may spend applying one connection's updates in a burst",
  },
  revocationPollMs: {
    env: 'REVOCATION_POLL_MS',
    flag: '--revocation-poll-ms <ms>',
    default: String(REVOCATION_POLL_MS),
    help: 'with AUTH_SECRET: how often each instance reads new token revocations (connections of a revoked token end within about this)',
  },
  maxThreadsPerDocument: {
    env: 'MAX_THREADS_PER_DOCUMENT',
    flag: '--max-threads-per-document <n>',
    default: String(MAX_THREADS_PER_DOCUMENT),
    help: 'comment threads one document may hold; more are refused with 413',
  },
  maxCommentsPerThread: {
    env: 'MAX_COMMENTS_PER_THREAD',
    flag: '--max-comments-per-thread <n>',
    default: String(MAX_COMMENTS_PER_THREAD),
    help: 'comments one thread may hold; more are refused with 413',
  },
  commentsPerMinute: {
    env: 'COMMENTS_PER_MINUTE',
    flag: '--comments-per-minute <n>',
    default: String(COMMENTS_PER_MINUTE),
    help: 'comments (new, replies, edits) one author may write per minute, in bursts of as many; 0 = off',
  },
  maxUploadBytes: {
    env: 'MAX_UPLOAD_BYTES',
    flag: '--max-upload-bytes <bytes>',
    default: String(MAX_UPLOAD_BYTES),
    help: 'largest image one upload may carry (413 beyond, refused as soon as the body passes it)',
  },
  uploadsPerMinute: {
    env: 'UPLOADS_PER_MINUTE',
    flag: '--uploads-per-minute <n>',
    default: String(UPLOADS_PER_MINUTE),
    help: 'image uploads one author may make per minute, in bursts of as many (429 beyond); 0 = off',
  },
  awarenessTickMs: {
    env: 'AWARENESS_TICK_MS',
    flag: '--awareness-tick-ms <ms>',
    default: String(AWARENESS_TICK_MS),
    help: 'presence (cursor) changes arriving within this window go out as one merged frame per client; 0 = relay each at once',
  },
  webhookUrl: {
    env: 'WEBHOOK_URL',
    flag: '--webhook-url <url>',
    default: undefined,
    help: 'http(s) URL that receives JSON events (thread.created, comment.created, thread.resolved, document.changed)',
  },
  webhookSecret: {
    env: 'WEBHOOK_SECRET',
    flag: '--webhook-secret <secret>',
    default: undefined,
    help: `with WEBHOOK_URL: signs each event in a Tandem-Signature header (HMAC-SHA256, at least ${MIN_WEBHOOK_SECRET_LENGTH} characters)`,
  },
  webhookDocumentChangedIntervalMs: {
    env: 'WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS',
    flag: '--webhook-document-changed-interval-ms <ms>',
    default: String(WEBHOOK_DOCUMENT_CHANGED_INTERVAL_MS),
    help: 'with WEBHOOK_URL: document.changed at most once per document per this; 0 sends none',
  },
  oidcIssuer: {
    env: 'OIDC_ISSUER',
    flag: '--oidc-issuer <url>',
    default: undefined,
    help: "turns on sign-in: the OpenID Connect provider's issuer URL (https; needs OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, PUBLIC_URL and AUTH_SECRET)",
  },
  oidcClientId: {
    env: 'OIDC_CLIENT_ID',
    flag: '--oidc-client-id <id>',
    default: undefined,
    help: 'with OIDC_ISSUER: the client id registered with the provider',
  },
  oidcClientSecret: {
    env: 'OIDC_CLIENT_SECRET',
    flag: '--oidc-client-secret <secret>',
    default: undefined,
    help: 'with OIDC_ISSUER: the client secret registered with the provider',
  },
  publicUrl: {
    env: 'PUBLIC_URL',
    flag: '--public-url <url>',
    default: undefined,
    help: 'with OIDC_ISSUER: the origin browsers use (https://docs.example.com); the redirect URI is <PUBLIC_URL>/auth/callback, and https makes cookies Secure',
  },
  oidcScopes: {
    env: 'OIDC_SCOPES',
    flag: '--oidc-scopes <scopes>',
    default: undefined,
    help: 'with OIDC_ISSUER: scopes to ask for, space-separated (default: openid profile email)',
  },
  adminEmails: {
    env: 'ADMIN_EMAILS',
    flag: '--admin-emails <list>',
    default: undefined,
    help: 'with OIDC_ISSUER: comma-separated emails of administrators, who see every document and can transfer ownership',
  },
} as const

export type SettingName = keyof typeof SETTINGS

/** Never echoed back in error messages (they may carry passwords). */
const SECRET_SETTINGS = new Set<SettingName>([
  'authSecret',
  'databaseUrl',
  'redisUrl',
  'iceServers',
  // Chat services put their credential in the webhook URL's path.
  'webhookUrl',
  'webhookSecret',
  'oidcClientSecret',
])

const iceServersSchema = z.array(
  z
    .object({
      urls: z.union([z.string().regex(/^(stun|turns?):/), z.array(z.string().regex(/^(stun|turns?):/)).min(1)]),
      username: z.string().optional(),
      credential: z.string().optional(),
    })
    .strict(),
)

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535')

/** A limit where 0 turns it off. */
const zeroOrMore = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be 0 (off) or more')
/** A burst allowance: 0 would refuse everything, and the limit it belongs to is what turns off. */
const oneOrMore = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be at least 1')

const configSchema = z
  .object({
    port,
    host: z.string().min(1, 'must not be empty'),
    dataDir: z.string().min(1, 'must not be empty'),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
    authSecret: z.string().min(32, 'must be at least 32 characters (use `openssl rand -base64 32`)').optional(),
    allowedOrigins: z
      .string()
      .optional()
      .transform((value, context) => {
        const origins = commaList(value)
        if (origins === undefined) return undefined
        for (const origin of origins) {
          if (origin === '*') continue
          let parsed: URL | null = null
          try {
            parsed = new URL(origin)
          } catch {
            // reported below
          }
          if (!parsed || parsed.origin !== origin) {
            context.addIssue({ code: 'custom', message: `"${origin}" is not an origin like https://docs.example.com` })
          }
        }
        return origins
      }),
    trustProxy: z
      .string()
      .optional()
      .transform((value, context) => {
        const proxies = commaList(value)
        if (proxies === undefined) return undefined
        try {
          checkTrustedProxies(proxies)
        } catch (error) {
          context.addIssue({
            code: 'custom',
            message: `${(error as Error).message}; use loopback, linklocal, uniquelocal, an address or a CIDR`,
          })
        }
        return proxies
      }),
    logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }),
    maxFrameBytes: z.coerce.number({ error: 'must be a number' }).int().min(1024, 'must be at least 1024'),
    iceServers: z
      .string()
      .optional()
      .transform((value, context) => {
        if (value === undefined || value.trim() === '') return undefined
        let parsed: unknown
        try {
          parsed = JSON.parse(value)
        } catch {
          context.addIssue({ code: 'custom', message: 'must be a JSON array of {"urls": ...} objects' })
          return z.NEVER
        }
        const result = iceServersSchema.safeParse(parsed)
        if (!result.success) {
          context.addIssue({
            code: 'custom',
            message: 'must be a JSON array of {"urls": "stun:..." or "turn:..."} objects',
          })
          return z.NEVER
        }
        return result.data
      }),
    p2pPresence: z.enum(['on', 'off'], { error: 'must be on or off' }),
    maxConnectionsPerAddress: zeroOrMore,
    connectionAttemptsPerSecond: zeroOrMore,
    maxMessagesPerSecond: zeroOrMore,
    messageBurst: oneOrMore,
    maxBytesPerSecond: zeroOrMore,
    applyBudgetMsPerSecond: zeroOrMore,
    applyBudgetBurstMs: oneOrMore,
    revocationPollMs: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(100, 'must be at least 100 (each poll is a database query)')
      .max(3_600_000, 'must be at most 3600000 (an hour)'),
    maxThreadsPerDocument: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1'),
    maxCommentsPerThread: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1'),
    commentsPerMinute: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must be 0 (off) or more'),
    maxUploadBytes: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1024, 'must be at least 1024 (an upload is held in memory while it is checked, so there is no "off")'),
    uploadsPerMinute: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must be 0 (off) or more'),
    awarenessTickMs: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must be 0 (off) or more')
      .max(1000, 'must be at most 1000 (cursors would lag a second behind)'),
    webhookUrl: z
      .string()
      .refine(
        (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol),
        'must be an http:// or https:// URL',
      )
      .optional(),
    webhookSecret: z
      .string()
      .min(
        MIN_WEBHOOK_SECRET_LENGTH,
        `must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters (use \`openssl rand -base64 32\`)`,
      )
      .optional(),
    webhookDocumentChangedIntervalMs: z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .refine((ms) => ms === 0 || ms >= 1000, 'must be 0 (off) or at least 1000 (each event is a request)')
      .refine((ms) => ms <= 86_400_000, 'must be at most 86400000 (a day)'),
    oidcIssuer: z
      .string()
      .refine(isSecureOrLoopbackUrl, 'must be an https:// URL (http:// only for a provider on this machine)')
      .optional(),
    oidcClientId: z.string().min(1).optional(),
    oidcClientSecret: z.string().min(1).optional(),
    publicUrl: z
      .string()
      .transform((value) => value.replace(/\/+$/, ''))
      .refine(
        (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol) && new URL(value).origin === value,
        'must be an origin like https://docs.example.com (no path: Tandem is served at the root)',
      )
      .optional(),
    oidcScopes: z.string().optional(),
    adminEmails: z
      .string()
      .optional()
      .transform((value, context) => {
        const emails = commaList(value)?.map((email) => email.toLowerCase())
        for (const email of emails ?? []) {
          if (!/^[^\s@]+@[^\s@]+$/.test(email))
            context.addIssue({ code: 'custom', message: `"${email}" is not an email address` })
        }
        return emails
      }),
  })
  .superRefine((config, context) => {
    // Sign-in comes as a whole: without any one of these it cannot work, and half of it must not start.
    if (config.oidcIssuer === undefined) return
    const needed: [SettingName, unknown][] = [
      ['oidcClientId', config.oidcClientId],
      ['oidcClientSecret', config.oidcClientSecret],
      ['publicUrl', config.publicUrl],
      // Signed-in browsers get signed document tokens: tokens stay the one enforcement path.
      ['authSecret', config.authSecret],
    ]
    for (const [name, value] of needed) {
      if (value === undefined)
        context.addIssue({ code: 'custom', path: [name], message: 'must be set with OIDC_ISSUER' })
    }
  })

export type Config = z.infer<typeof configSchema> & { logLevel: LogLevel }

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

/**
 * Builds the configuration from CLI flags (already parsed, keyed by setting name) and the
 * environment, and lists every problem at once rather than failing on the first.
 */
export function resolveConfig(
  flags: Partial<Record<SettingName, string | undefined>>,
  env: Record<string, string | undefined>,
): Config {
  const raw: Record<string, string | undefined> = {}
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][]) {
    const fromEnv = env[setting.env]
    raw[name] = flags[name] ?? (fromEnv === '' ? undefined : fromEnv) ?? setting.default
  }
  const result = configSchema.safeParse(raw)
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const name = issue.path[0] as SettingName
        const setting = SETTINGS[name]
        const shown = SECRET_SETTINGS.has(name) ? '(hidden)' : `"${raw[name]}"`
        const got = raw[name] === undefined ? '' : `; got ${shown}`
        return `${setting.env} (${setting.flag.split(' ')[0]}) ${issue.message}${got}`
      }),
    )
  }
  return { ...result.data, dataDir: path.resolve(result.data.dataDir) }
}

/** https anywhere; plain http only to this machine (a provider in development or a test). */
function isSecureOrLoopbackUrl(value: string): boolean {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  if (url.protocol === 'https:') return true
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)
}

/** The entries of a comma-separated setting, trimmed; undefined when it is unset or blank. */
function commaList(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
}

/**
 * Stands for "no limit" where a setting is 0: the token buckets and the connection count compare
 * against it, and it is never reached (a connection would need 285 years at a million a second).
 */
export const NO_LIMIT = Number.MAX_SAFE_INTEGER

/** The limits an operator sets (every other limit keeps its default from shared/limits.ts). */
export function operatorLimits(config: Config): Partial<ServerLimits> {
  const offWhenZero = (value: number): number => (value === 0 ? NO_LIMIT : value)
  return {
    maxFrameBytes: config.maxFrameBytes,
    revocationPollMs: config.revocationPollMs,
    maxConnectionsPerAddress: offWhenZero(config.maxConnectionsPerAddress),
    connectionAttemptsPerSecond: offWhenZero(config.connectionAttemptsPerSecond),
    maxMessagesPerSecond: offWhenZero(config.maxMessagesPerSecond),
    messageBurst: config.maxMessagesPerSecond === 0 ? NO_LIMIT : config.messageBurst,
    maxBytesPerSecond: offWhenZero(config.maxBytesPerSecond),
    applyBudgetMsPerSecond: offWhenZero(config.applyBudgetMsPerSecond),
    applyBudgetBurstMs: config.applyBudgetMsPerSecond === 0 ? NO_LIMIT : config.applyBudgetBurstMs,
    maxThreadsPerDocument: config.maxThreadsPerDocument,
    maxCommentsPerThread: config.maxCommentsPerThread,
    commentsPerMinute: config.commentsPerMinute,
    maxUploadBytes: config.maxUploadBytes,
    uploadsPerMinute: config.uploadsPerMinute,
    awarenessTickMs: config.awarenessTickMs,
  }
}
