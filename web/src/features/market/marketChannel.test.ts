/** Proves the market channel's copied name matches the contract, and what an update makes stale. */
import { describe, expect, it } from 'vitest'
import { WS_CHANNELS } from '../../../../contracts/ws.ts'
import { MARKET_CHANNEL, staleAfter } from './marketChannel.ts'

describe('the market channel', () => {
  it('has the contract’s name', () => {
    expect(MARKET_CHANNEL).toBe(WS_CHANNELS.market)
  })

  it('makes the listings, the user’s memes and that meme’s page stale, no other meme’s', () => {
    expect(staleAfter({ memeId: 'm_1', kind: 'sold' })).toEqual([
      'Listings',
      'MyMarket',
      { type: 'Meme', id: 'm_1' },
    ])
  })
})
