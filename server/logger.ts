import pino from 'pino'

export type Logger = pino.Logger

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/**
 * JSON lines on stdout (one object per event: a fixed message plus fields). Tokens never reach a
 * log line: the query string is stripped from logged URLs and credentials are redacted.
 */
export function createLogger(level: LogLevel = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tandem' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['token', 'headers.authorization', 'req.headers.authorization'], censor: '[redacted]' },
    },
    destination,
  )
}

/** The path of a request URL without its query string (which may carry a token). */
export function loggablePath(url: string | undefined): string {
  if (!url) return ''
  const queryStart = url.indexOf('?')
  return queryStart === -1 ? url : url.slice(0, queryStart)
}
