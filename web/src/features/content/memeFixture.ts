/** A meme as the admin API sends it, for the unit tests: transforming, made at second `id`. */
import type { AdminMemeView } from '../../../../contracts/content.ts'

export function memeFixture(id: string, fields: Partial<AdminMemeView> = {}): AdminMemeView {
  return {
    id,
    title: `Meme ${id}`,
    tags: [],
    creator: { id: 'u1', address: '1BoatSLRHtKNngkdXEeobR76b53LETtpyT', identityKey: null },
    state: 'transforming',
    progress: 0.1,
    attempts: 1,
    problems: [],
    nearDuplicateOf: null,
    original: {
      url: `/api/v1/media/${id}.png`,
      width: 1920,
      height: 1080,
      format: 'png',
      bytes: 1000,
      sha256: 'aa',
    },
    animation: null,
    reviewReason: null,
    queuePosition: null,
    createdAt: `2025-01-01T00:00:0${id}.000Z`,
    updatedAt: '2025-01-01T00:01:00.000Z',
    ...fields,
  }
}
