/** Configuration in tests: the problems loadConfig names for an environment, or none. */
import { ConfigError, loadConfig } from '../../src/config.ts'

export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env)
    return []
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
}
