/** Proves which pages outside its own path mark a main-navigation item current. */
import { describe, expect, it } from 'vitest'
import { inOtherPlace, NAV_ITEMS } from './navItems.ts'

const market = NAV_ITEMS.find((item) => item.to === '/market')!

describe('inOtherPlace', () => {
  it('counts a meme’s page as part of the market', () => {
    expect(inOtherPlace(market, '/memes/m_123')).toBe(true)
  })

  it('leaves other pages, and the market’s own (NavLink matches those), alone', () => {
    expect(inOtherPlace(market, '/market')).toBe(false)
    expect(inOtherPlace(market, '/watch/m_123')).toBe(false)
    expect(inOtherPlace(market, '/memesque')).toBe(false)
    for (const item of NAV_ITEMS.filter((i) => i !== market)) {
      expect(inOtherPlace(item, '/memes/m_123'), item.to).toBe(false)
    }
  })
})
