/** Polls `condition` until it holds; fails with `description` (and the last value) on timeout. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 10, description = 'condition' } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  let last: T | undefined
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      last = await condition()
      if (last) return last as NonNullable<T>
    } catch (error) {
      lastError = error
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
  const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : ` (last value: ${String(last)})`
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}${detail}`)
}
