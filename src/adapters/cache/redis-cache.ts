/**
 * The cache shared by a fleet (REDIS_URL): one Redis string per key, JSON (redis/json.ts), with
 * its TTL set in the same command (SET PX). A Redis that is away (or hangs: see
 * RedisConnection.isUsable) makes every get a miss and every set or delete a no-op, so callers compute values themselves as if nothing were cached:
 * slower, never wrong. readiness reports Redis itself.
 */
import type { AppLogger } from '../../logger.ts'
import { DEFAULT_REDIS_PREFIX, type RedisConnection } from '../redis/client.ts'
import { decodeJson, encodeJson } from '../redis/json.ts'
import type { Cache } from './cache.ts'

export interface RedisCacheOptions {
  connection: RedisConnection
  /** Key prefix; every node of a deployment uses the same one. */
  prefix?: string
  logger?: AppLogger
}

export class RedisCache implements Cache {
  private readonly connection: RedisConnection
  private readonly keyPrefix: string
  private readonly log: AppLogger | undefined

  constructor(options: RedisCacheOptions) {
    this.connection = options.connection
    this.keyPrefix = `${options.prefix ?? DEFAULT_REDIS_PREFIX}cache:`
    this.log = options.logger
  }

  async get<T>(key: string): Promise<T | undefined> {
    if (!this.connection.isUsable()) return undefined
    try {
      const text = await this.connection.redis.get(this.keyPrefix + key)
      return text === null ? undefined : decodeJson<T>(text)
    } catch (error) {
      this.connection.commandFailed()
      this.log?.debug({ err: error, key }, 'cache read failed; treated as a miss')
      return undefined
    }
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    if (!this.connection.isUsable()) return
    try {
      await this.connection.redis.set(this.keyPrefix + key, encodeJson(value), 'PX', ttlMs)
    } catch (error) {
      this.connection.commandFailed()
      this.log?.debug({ err: error, key }, 'cache write failed')
    }
  }

  async delete(key: string): Promise<void> {
    if (!this.connection.isUsable()) return
    try {
      await this.connection.redis.del(this.keyPrefix + key)
    } catch (error) {
      this.connection.commandFailed()
      this.log?.debug({ err: error, key }, 'cache delete failed')
    }
  }
}
