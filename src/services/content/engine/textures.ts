/**
 * The two textures the renderer samples, made once per transform with sharp: the card (the
 * source at its on-screen size, so the warp samples about 1:1 and each frame reads only what it
 * shows) and the background (the source small, blurred and darkened). Both live in
 * SharedArrayBuffers so the render workers read them without a copy each.
 */
import os from 'node:os'
import sharp, { type Sharp } from 'sharp'
import { backgroundTextureSize, type CardGeometry } from './projection.ts'
import { type PaddedTexture, paddedPixelCount } from './warp.ts'

/** Blur radius (Gaussian sigma) in background texels, about 24 output pixels. */
const BACKGROUND_BLUR_SIGMA = 6
/** The background is darkened so the card stands out from its own copy. */
const BACKGROUND_BRIGHTNESS = 0.55
/** Transparent sources are flattened onto white, the colour most meme templates assume. */
const FLATTEN_BACKGROUND = '#ffffff'
const OPAQUE_ALPHA = 0xff

export interface SceneTextures {
  card: PaddedTexture
  background: PaddedTexture
}

export async function loadTextures(sourcePath: string, geometry: CardGeometry): Promise<SceneTextures> {
  const { width: backgroundWidth, height: backgroundHeight } = backgroundTextureSize(
    geometry.frameWidth,
    geometry.frameHeight,
  )
  const [card, background] = await Promise.all([
    rgbOf(
      sharp(sourcePath).resize(geometry.cardWidth, geometry.cardHeight, { fit: 'fill' }),
      geometry.cardWidth,
      geometry.cardHeight,
    ),
    rgbOf(
      sharp(sourcePath)
        .resize(backgroundWidth, backgroundHeight, { fit: 'cover' })
        .blur(BACKGROUND_BLUR_SIGMA)
        .linear(BACKGROUND_BRIGHTNESS, 0),
      backgroundWidth,
      backgroundHeight,
    ),
  ])
  return { card, background }
}

async function rgbOf(image: Sharp, width: number, height: number): Promise<PaddedTexture> {
  const { data, info } = await image
    .flatten({ background: FLATTEN_BACKGROUND })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(
      `texture came out ${info.width}x${info.height}x${info.channels}, not ${width}x${height}x3`,
    )
  }
  return packPadded(data, width, height)
}

/**
 * RGB bytes → one opaque RGBA word per pixel, plus the padding column and row that
 * `PaddedTexture` promises. A word written as r | g<<8 | b<<16 | a<<24 lies in memory as the
 * bytes r, g, b, a only on a little-endian machine, which is what sharp and ffmpeg read.
 */
export function packPadded(rgb: Uint8Array, width: number, height: number): PaddedTexture {
  if (os.endianness() !== 'LE') throw new Error('the renderer assumes a little-endian machine')
  const stride = width + 1
  const pixels = new Int32Array(new SharedArrayBuffer(paddedPixelCount(width, height) * 4))
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3
      pixels[y * stride + x] = rgb[i]! | (rgb[i + 1]! << 8) | (rgb[i + 2]! << 16) | (OPAQUE_ALPHA << 24)
    }
    pixels[y * stride + width] = pixels[y * stride + width - 1]!
  }
  pixels.copyWithin(height * stride, (height - 1) * stride, height * stride)
  return { pixels, width, height }
}
