/**
 * Memes through the content pipeline (SPEC 4), as the admin API serves them. A meme moves
 *   validated → transforming → checked → in_review → approved → assigned, or to rejected;
 * a transformation or quality check that keeps failing lands in review with its problems named,
 * and the reviewer approves, rejects or retries it. Upload refusals are 4xx with a code naming
 * the rule (contracts/errors.ts) and leave nothing stored.
 *
 * Media URLs: posters and thumbnails are public; the full animation needs an admin session or a
 * short-lived signed token (`?token=`), which the watch flow issues.
 */
import { type Static, Type } from '@sinclair/typebox'

export const MemeState = Type.Union([
  Type.Literal('validated'),
  Type.Literal('transforming'),
  Type.Literal('checked'),
  Type.Literal('in_review'),
  Type.Literal('approved'),
  Type.Literal('assigned'),
  Type.Literal('rejected'),
])
export type MemeState = Static<typeof MemeState>

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])

export const QualityView = Type.Object({
  ok: Type.Boolean(),
  smoothness: Type.Number({ description: '0..1; 0.95 or more passes (see src/services/content/quality).' }),
  fps: Type.Number(),
  frameCount: Type.Integer(),
  durationMs: Type.Integer(),
  width: Type.Integer(),
  height: Type.Integer(),
  failures: Type.Array(Type.Object({ code: Type.String(), detail: Type.String() })),
})
export type QualityView = Static<typeof QualityView>

export const AnimationView = Type.Object({
  url: Type.String({ description: 'Animated WebP; needs an admin session or a media token.' }),
  mp4Url: Nullable(Type.String()),
  posterUrl: Type.String(),
  thumbnailUrls: Type.Object({ small: Type.String(), medium: Type.String() }),
  width: Type.Integer(),
  height: Type.Integer(),
  fps: Type.Number(),
  frameCount: Type.Integer(),
  durationMs: Type.Integer(),
  engine: Type.Union([Type.Literal('local'), Type.Literal('aitubo')]),
  processingMs: Type.Integer({ description: 'Time the transformation took.' }),
  quality: Type.Union([QualityView, Type.Null()]),
})
export type AnimationView = Static<typeof AnimationView>

export const AdminMemeView = Type.Object({
  id: Type.String(),
  title: Type.String(),
  tags: Type.Array(Type.String()),
  creator: Type.Object({
    id: Type.String(),
    address: Type.Union([Type.String(), Type.Null()]),
    identityKey: Type.Union([Type.String(), Type.Null()]),
  }),
  state: MemeState,
  /** 0..1 while a job runs on it; null otherwise. */
  progress: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
  attempts: Type.Integer({ minimum: 0, description: 'Transformation attempts so far.' }),
  problems: Type.Array(Type.String(), {
    description: 'Why it needs a closer look: near_duplicate, quality:<code>, transform:<code>.',
  }),
  nearDuplicateOf: Nullable(Type.String()),
  original: Type.Object({
    url: Type.String({ description: 'The validated upload with metadata stripped; admins only.' }),
    width: Type.Integer(),
    height: Type.Integer(),
    format: Type.String(),
    bytes: Type.Integer(),
    sha256: Type.String(),
  }),
  animation: Type.Union([AnimationView, Type.Null()]),
  reviewReason: Nullable(Type.String()),
  queuePosition: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: 'Place in the round queue (first in, first out) while approved.',
  }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
})
export type AdminMemeView = Static<typeof AdminMemeView>

export const AdminMemesQuery = Type.Object({
  state: Type.Optional(MemeState),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
})
export type AdminMemesQuery = Static<typeof AdminMemesQuery>

export const AdminMemesResponse = Type.Object({
  memes: Type.Array(AdminMemeView, { description: 'Newest first.' }),
})
export type AdminMemesResponse = Static<typeof AdminMemesResponse>

export const MemeParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) })
export type MemeParams = Static<typeof MemeParams>

export const RejectBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
)
export type RejectBody = Static<typeof RejectBody>

/** Upload form fields besides `file` (multipart/form-data). */
export const UPLOAD_FIELDS = {
  creator: 'A BSV address or a compressed public key (hex) of the creator; a new user is made if needed.',
  title: '1-120 characters.',
  tags: 'Comma-separated, at most 10 tags of 1-32 characters.',
} as const
export const MAX_TITLE_LENGTH = 120
export const MAX_TAGS = 10
export const MAX_TAG_LENGTH = 32

export const RoundQueueResponse = Type.Object({
  memesPerRound: Type.Integer({ description: 'How many queued memes the next round takes.' }),
  memes: Type.Array(
    Type.Object({
      id: Type.String(),
      title: Type.String(),
      posterUrl: Type.String(),
      thumbnailUrl: Type.String(),
      position: Type.Integer({ minimum: 1 }),
    }),
    { description: 'Approved memes in the order rounds take them.' },
  ),
})
export type RoundQueueResponse = Static<typeof RoundQueueResponse>
