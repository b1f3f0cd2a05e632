/** `value` once it has stayed the same for `delayMs`: typing a number asks the server once, not per keystroke. */
import { useEffect, useState } from 'react'

export function useDebouncedValue<T extends string | number | boolean>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs)
    return () => clearTimeout(timer)
  }, [value, delayMs])
  return settled
}
