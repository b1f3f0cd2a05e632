/**
 * Picks the chain source from the configuration: the in-process devnet by default (its state in
 * DATA_DIR/devnet, mined every DEVNET_BLOCK_INTERVAL_S), or WhatsOnChain for main and test.
 * With DEVNET_URL (a cluster), another process owns the devnet and this one reads and broadcasts
 * through that server's WhatsOnChain-compatible API, so that every process sees one chain.
 */

import { DevnetChainSource } from './adapters/chain/devnet/chain-source.ts'
import { Devnet } from './adapters/chain/devnet/devnet.ts'
import { DEVNET_WOC_PREFIX } from './adapters/chain/devnet/http.ts'
import type { ChainSource } from './adapters/chain/source.ts'
import { WhatsOnChainSource } from './adapters/chain/whatsonchain.ts'
import type { Config } from './config.ts'
import type { AppLogger } from './logger.ts'

export interface Chain {
  source: ChainSource
  /** Present only on the devnet: faucet, mining and the WhatsOnChain-shaped HTTP API. */
  devnet: Devnet | undefined
  start(): void
  close(): Promise<void>
}

export async function openChain(config: Config, logger: AppLogger): Promise<Chain> {
  if (config.chain === 'devnet' && config.devnetUrl !== undefined) {
    const source = new WhatsOnChainSource({
      network: 'devnet',
      baseUrl: `${config.devnetUrl}${DEVNET_WOC_PREFIX}`,
      requestsPerSecond: config.wocRequestsPerSecond,
      logger,
    })
    return { source, devnet: undefined, start: () => {}, close: async () => {} }
  }
  if (config.chain === 'devnet') {
    const devnet = await Devnet.open({
      dataDir: config.dataDir,
      blockIntervalSeconds: config.devnetBlockIntervalSeconds,
      logger,
    })
    // The genesis block has a fixed date; a first block mined now makes a fresh chain look alive.
    if (devnet.tip().height === 0) await devnet.mine(1)
    return {
      source: new DevnetChainSource(devnet),
      devnet,
      start: () => devnet.start(),
      close: () => devnet.close(),
    }
  }
  const source = new WhatsOnChainSource({
    network: config.chain,
    apiKey: config.wocApiKey,
    requestsPerSecond: config.wocRequestsPerSecond,
    logger,
  })
  return { source, devnet: undefined, start: () => {}, close: async () => {} }
}
