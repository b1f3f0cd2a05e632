/** Rounds and memes as the API sends them, for the unit tests. */
import type { RoundMemeView, RoundView } from '../../../../contracts/rounds.ts'

export function memeFixture(memeId: string, fields: Partial<RoundMemeView> = {}): RoundMemeView {
  return {
    memeId,
    title: `Meme ${memeId}`,
    slot: 0,
    rank: 1,
    paidSeconds: 0,
    revenueSats: 0,
    viewers: 0,
    posterUrl: `/media/${memeId}/poster.webp`,
    thumbnailUrl: `/media/${memeId}/thumb.webp`,
    creator: { id: 'c1', label: '1Creator…' },
    owner: { id: 'o1', label: '1Owner…' },
    ...fields,
  }
}

export function roundFixture(height: number, fields: Partial<RoundView> = {}): RoundView {
  return {
    height,
    blockHash: 'ab'.repeat(32),
    state: 'open',
    openedAt: '2025-01-01T00:00:00.000Z',
    closedAt: null,
    poolSats: 0,
    paidSeconds: 0,
    viewers: 0,
    params: {
      feeBps: 200,
      directPct: 40,
      creatorPct: 10,
      topWeights: [50, 30, 20],
      topSharePct: 95,
      viewerSharePct: 5,
      fastViewers: 100,
      qualifySeconds: 10,
      memesPerRound: 20,
    },
    memes: [],
    settlement: null,
    ...fields,
  }
}
