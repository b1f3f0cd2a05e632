/**
 * The settings a cluster's processes are started with (src/config.ts): DEVNET_URL points a
 * process at the devnet's owner (and makes openChain use the WhatsOnChain client instead of a
 * chain of its own), MEMEPOOL_NODE names the process in a header, TRUST_PROXY names the front.
 * Each is checked: a bad value is one clear problem, never a silent default.
 */
import { describe, expect, it } from 'vitest'
import { configProblems } from '../../test/support/config.ts'
import { WhatsOnChainSource } from '../adapters/chain/whatsonchain.ts'
import { openChain } from '../chain.ts'
import { loadConfig } from '../config.ts'
import { createLogger } from '../logger.ts'

describe('cluster settings', () => {
  it('are unset by default', () => {
    const config = loadConfig({})
    expect(config.devnetUrl).toBeUndefined()
    expect(config.nodeName).toBeUndefined()
    expect(config.trustProxy).toBeUndefined()
  })

  it('read DEVNET_URL without a trailing slash, only with CHAIN=devnet and http(s)', () => {
    expect(loadConfig({ DEVNET_URL: 'http://127.0.0.1:8081/' }).devnetUrl).toBe('http://127.0.0.1:8081')
    expect(configProblems({ DEVNET_URL: 'http://127.0.0.1:8081', CHAIN: 'main' })).toEqual([
      'DEVNET_URL needs CHAIN=devnet, got main',
    ])
    expect(configProblems({ DEVNET_URL: 'ftp://127.0.0.1' })).toEqual([
      'DEVNET_URL must use http: or https:, got ftp:',
    ])
  })

  it('accept a header-safe MEMEPOOL_NODE only', () => {
    expect(loadConfig({ MEMEPOOL_NODE: 'api-2' }).nodeName).toBe('api-2')
    expect(configProblems({ MEMEPOOL_NODE: 'api 2\r\nx-evil: 1' })).toHaveLength(1)
    expect(configProblems({ MEMEPOOL_NODE: 'n'.repeat(65) })).toHaveLength(1)
  })

  it('accept TRUST_PROXY as addresses and CIDR ranges, and name each bad entry', () => {
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, ::1,10.0.0.0/8' }).trustProxy).toBe(
      '127.0.0.1,::1,10.0.0.0/8',
    )
    expect(configProblems({ TRUST_PROXY: 'localhost,10.0.0.0/33,fe80::/129' })).toEqual([
      'TRUST_PROXY entries must be IP addresses or CIDR ranges, got "localhost"',
      'TRUST_PROXY entries must be IP addresses or CIDR ranges, got "10.0.0.0/33"',
      'TRUST_PROXY entries must be IP addresses or CIDR ranges, got "fe80::/129"',
    ])
  })

  it('make openChain use the owner’s WhatsOnChain API instead of a devnet of its own', async () => {
    const config = loadConfig({ DEVNET_URL: 'http://127.0.0.1:1', DATA_DIR: '/nonexistent/never-created' })
    const chain = await openChain(config, createLogger('silent'))
    expect(chain.devnet).toBeUndefined()
    expect(chain.source).toBeInstanceOf(WhatsOnChainSource)
    expect(chain.source.network).toBe('devnet')
    await chain.close()
  })
})
