/**
 * JSON as Redis carries it for the bus and the caches: plain JSON, except that a bigint (a
 * satoshi amount the ledger keeps as bigint) travels as `{"$bigint":"<digits>"}` and comes back a
 * bigint, where JSON.stringify would throw. The bus topics carry numbers today; this keeps a topic
 * that adds a bigint field from breaking the fleet while working in one process.
 *
 * What JSON cannot keep is not kept: a Date arrives as its ISO string, undefined fields vanish.
 * An object whose only field is a `$bigint` string of digits is read as a bigint: no message
 * has such a field.
 */
const BIGINT_FIELD = '$bigint'
const INTEGER_PATTERN = /^-?\d+$/

function isTaggedBigint(value: unknown): value is { [BIGINT_FIELD]: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const keys = Object.keys(value)
  if (keys.length !== 1 || keys[0] !== BIGINT_FIELD) return false
  const digits = (value as Record<string, unknown>)[BIGINT_FIELD]
  return typeof digits === 'string' && INTEGER_PATTERN.test(digits)
}

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    typeof inner === 'bigint' ? { [BIGINT_FIELD]: inner.toString() } : inner,
  )
}

export function decodeJson<T>(text: string): T {
  return JSON.parse(text, (_key, inner: unknown) =>
    isTaggedBigint(inner) ? BigInt(inner[BIGINT_FIELD]) : inner,
  ) as T
}
