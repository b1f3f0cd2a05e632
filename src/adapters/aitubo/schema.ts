/**
 * AITubo's answers (reference/content.md section 1), as TypeBox schemas. The client checks every
 * answer against them before reading a field, so HTML, truncated JSON or a changed shape becomes
 * AITUBO_BAD_RESPONSE instead of `undefined` travelling onwards. Objects allow extra fields:
 * the create answer also carries credit counts, and AITubo may add more.
 *
 * AITubo puts its error text in `info` (Go SDK) or `message` (the video service); both are read.
 */
import { type Static, Type } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'

const envelopeFields = {
  /** 0 = success; anything else is an error, explained by `message` or `info`. */
  code: Type.Integer(),
  message: Type.Optional(Type.String()),
  info: Type.Optional(Type.String()),
}

/** Every answer, read first to tell success from error. */
export const AituboEnvelope = Type.Object({ ...envelopeFields, data: Type.Optional(Type.Unknown()) })
export type AituboEnvelope = Static<typeof AituboEnvelope>

export const CreateJobData = Type.Object({ id: Type.String({ minLength: 1 }) })
export type CreateJobData = Static<typeof CreateJobData>

/**
 * `status`: 0 and 1 are "not done" (which is queued and which is running is unconfirmed),
 * 2 = completed, 3 = failed. The result is only read once the status is 2.
 */
export const VideoJobData = Type.Object({
  status: Type.Integer({ minimum: 0 }),
  result: Type.Optional(Type.Unknown()),
})
export type VideoJobData = Static<typeof VideoJobData>

/** `video` and the cover `image` are paths (or URLs) relative to `domain`. */
export const VideoJobResult = Type.Object({
  data: Type.Object({
    domain: Type.String(),
    video: Type.String({ minLength: 1 }),
    image: Type.Optional(Type.String()),
  }),
})
export type VideoJobResult = Static<typeof VideoJobResult>

export const VIDEO_JOB_STATUS = Object.freeze({ completed: 2, failed: 3 })

export const checks = Object.freeze({
  envelope: TypeCompiler.Compile(AituboEnvelope),
  createJob: TypeCompiler.Compile(CreateJobData),
  videoJob: TypeCompiler.Compile(VideoJobData),
  videoResult: TypeCompiler.Compile(VideoJobResult),
})
