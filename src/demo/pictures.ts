/**
 * The demo's source pictures, drawn at run time so that no binary is committed: colourful
 * 1920 x 1080 PNGs, each a different composition (a sunset, stripes, rings, mountains, ...) in
 * its own palette with its title in large meme letters. Everything follows from the picture's
 * number through a seeded generator, so picture n is the same on every run and every machine
 * with the same sharp.
 *
 * They must pass upload validation (16:9, at least 1080 px on the short side) and must not look
 * alike to the perceptual hash, which sends near-duplicates to review: the hash sees the layout
 * of light and dark at low resolution, so the compositions differ in where the bright and dark
 * masses are, not only in colour. src/demo/pictures.test.ts measures the distances.
 */
import sharp from 'sharp'

export const DEMO_PICTURE_WIDTH_PX = 1920
export const DEMO_PICTURE_HEIGHT_PX = 1080

export interface DemoMemeIdea {
  title: string
  /** Comma-separated, as the upload form takes them; every one includes `demo`. */
  tags: string
}

/** Titles and tags of the demo memes, in the order they are seeded (DEMO_MEMES takes the first n). */
export const DEMO_MEME_IDEAS: readonly DemoMemeIdea[] = [
  ['Doge in orbit', 'doge,space'],
  ['Stonks only go up', 'stonks,finance'],
  ['One more block', 'blocks,patience'],
  ['This is fine', 'classic,fire'],
  ['Satoshi was here', 'bitcoin,history'],
  ['Wen moon', 'moon,space'],
  ['Mempool party', 'blocks,party'],
  ['Cat on the blockchain', 'cats,bitcoin'],
  ['HODL the line', 'hodl,finance'],
  ['Sats per second', 'sats,watching'],
  ['Big block energy', 'blocks,energy'],
  ['Touch grass', 'outdoors,advice'],
  ['Frog of wisdom', 'frogs,wisdom'],
  ['Number go up', 'finance,charts'],
  ['Not your keys', 'keys,advice'],
  ['Galaxy brain', 'brains,space'],
  ['Sunday funday', 'weekend,party'],
  ['Proof of meme', 'bitcoin,memes'],
  ['Ser, this is a Wendys', 'classic,food'],
  ['Laser eyes', 'bitcoin,eyes'],
  ['Main character', 'drama,classic'],
  ['Coffee first', 'coffee,mornings'],
  ['Buy high sell low', 'finance,oops'],
  ['The floor is lava', 'games,fire'],
  ['It compiles', 'code,victory'],
  ['Works on my machine', 'code,classic'],
  ['Merge conflict', 'code,drama'],
  ['Deploy on Friday', 'code,danger'],
  ['Rubber duck', 'code,ducks'],
  ['Hold my coffee', 'coffee,danger'],
  ['Banana for scale', 'classic,fruit'],
  ['Penguin parade', 'penguins,cold'],
  ['Llama drama', 'llamas,drama'],
  ['Pizza time', 'pizza,food'],
  ['Disco duck', 'ducks,party'],
  ['Infinite loop', 'code,loops'],
  ['Halving day', 'bitcoin,history'],
  ['Whale alert', 'whales,finance'],
  ['Diamond paws', 'cats,hodl'],
  ['Snack attack', 'food,snacks'],
  ['Retro wave', 'retro,music'],
  ['Pixel perfect', 'retro,games'],
  ['Zen mode', 'calm,wisdom'],
  ['Sleepy sloth', 'sloths,calm'],
  ['Rocket fuel', 'space,energy'],
  ['Taco Tuesday', 'tacos,food'],
  ['Unicorn startup', 'unicorns,finance'],
  ['404 meme not found', 'code,classic'],
  ['Block reward', 'blocks,bitcoin'],
  ['Good vibes only', 'calm,party'],
].map(([title, tags]) => ({ title: title!, tags: `demo,${tags}` }))

/** The most demo memes there can be: one per idea. */
export const MAX_DEMO_MEMES = DEMO_MEME_IDEAS.length

/** A deterministic pseudo-random sequence in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** Five colours: a dark and a light ground, then three accents. */
type Palette = readonly [string, string, string, string, string]

const PALETTES: readonly Palette[] = [
  ['#1b1038', '#ff9a3c', '#ffd23f', '#ee4266', '#3bceac'],
  ['#03254e', '#9be7ff', '#f9c80e', '#f86624', '#ea3546'],
  ['#2d0b3a', '#f7b2e6', '#7afcff', '#fe53bb', '#f5d300'],
  ['#0b3d20', '#c7f464', '#ff6b6b', '#4ecdc4', '#ffe66d'],
  ['#3a0ca3', '#fdf0d5', '#f72585', '#4cc9f0', '#ffbe0b'],
  ['#14213d', '#fca311', '#e5e5e5', '#ef476f', '#06d6a0'],
  ['#311b0b', '#ffe8a3', '#ff595e', '#8ac926', '#1982c4'],
  ['#001219', '#e9d8a6', '#ee9b00', '#ae2012', '#0a9396'],
]

type Random = () => number
type Composition = (random: Random, w: number, h: number, p: Palette) => string

const between = (random: Random, min: number, max: number) => min + random() * (max - min)
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!
const round = (value: number) => Math.round(value)

function gradient(id: string, from: string, to: string, x2 = 0, y2 = 1): string {
  return (
    `<linearGradient id="${id}" x1="0" y1="0" x2="${x2}" y2="${y2}">` +
    `<stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient>`
  )
}

/** A sun over a horizon, its light on the water in stripes. */
const sunset: Composition = (random, w, h, p) => {
  const horizon = round(h * between(random, 0.4, 0.75))
  const sunX = round(w * between(random, 0.2, 0.8))
  const sunR = round(h * between(random, 0.15, 0.28))
  let water = ''
  for (let y = horizon + 20, i = 0; y < h; y += 36 + i * 6, i++) {
    water += `<rect x="${sunX - sunR + i * 12}" y="${y}" width="${2 * sunR - i * 24}" height="${12 + i}" fill="${p[2]}"/>`
  }
  let clouds = ''
  for (let i = 0; i < 3; i++) {
    const y = round(horizon * between(random, 0.1, 0.7))
    clouds += `<rect x="${round(w * between(random, -0.2, 0.6))}" y="${y}" width="${round(w * between(random, 0.2, 0.5))}" height="${round(h * 0.05)}" rx="${round(h * 0.025)}" fill="${p[4]}"/>`
  }
  return (
    `<defs>${gradient('sky', p[0], p[1])}</defs>` +
    `<rect width="${w}" height="${horizon}" fill="url(#sky)"/>${clouds}` +
    `<circle cx="${sunX}" cy="${horizon - sunR * 0.3}" r="${sunR}" fill="${p[2]}"/>` +
    `<rect y="${horizon}" width="${w}" height="${h - horizon}" fill="${p[0]}"/>${water}`
  )
}

/** Broad diagonal stripes in three colours. */
const stripes: Composition = (random, w, h, p) => {
  const count = 3 + Math.floor(random() * 5)
  const angle = round(between(random, -70, 70))
  const width = (w * 1.8) / count
  let bands = ''
  for (let i = 0; i < count; i++) {
    bands += `<rect x="${round(-w * 0.4 + i * width)}" y="${-h}" width="${round(width / 2)}" height="${3 * h}" fill="${p[2 + (i % 3)]}"/>`
  }
  return (
    `<rect width="${w}" height="${h}" fill="${p[0]}"/>` +
    `<g transform="rotate(${angle} ${w / 2} ${h / 2})">${bands}</g>`
  )
}

/** A target of concentric rings, off centre. */
const rings: Composition = (random, w, h, p) => {
  const cx = round(w * between(random, 0.15, 0.85))
  const cy = round(h * between(random, 0.2, 0.8))
  const step = round(h * between(random, 0.09, 0.14))
  let circles = ''
  for (let r = step * 14, i = 0; r > 0; r -= step, i++) {
    circles += `<circle cx="${cx}" cy="${cy}" r="${r}" fill="${i % 2 === 0 ? p[1] : p[3 + (i % 4 === 1 ? 0 : 1)]}"/>`
  }
  return `<rect width="${w}" height="${h}" fill="${p[0]}"/>${circles}`
}

/** Layered mountain ridges under a gradient sky with a moon. */
const mountains: Composition = (random, w, h, p) => {
  let ridges = ''
  for (let layer = 0; layer < 3; layer++) {
    const base = h * (0.45 + layer * 0.17)
    const points = [`0,${h}`]
    for (let x = 0; x <= w; x += w / 6) {
      points.push(`${round(x)},${round(base - between(random, 0, h * 0.3))}`)
    }
    points.push(`${w},${h}`)
    ridges += `<polygon points="${points.join(' ')}" fill="${[p[4], p[3], p[0]][layer]}"/>`
  }
  const moonX = round(w * between(random, 0.1, 0.9))
  return (
    `<defs>${gradient('sky', p[1], p[2])}</defs><rect width="${w}" height="${h}" fill="url(#sky)"/>` +
    `<circle cx="${moonX}" cy="${round(h * 0.2)}" r="${round(h * 0.09)}" fill="#ffffff"/>${ridges}`
  )
}

/** A big, slightly turned chequerboard. */
const chequers: Composition = (random, w, h, p) => {
  const size = round(h / (2 + Math.floor(random() * 3)))
  const angle = round(between(random, -20, 20))
  let tiles = ''
  for (let row = -2; row * size < h * 1.6; row++) {
    for (let col = -2; col * size < w * 1.3; col++) {
      if ((row + col) % 2 === 0)
        tiles += `<rect x="${col * size}" y="${row * size}" width="${size}" height="${size}"/>`
    }
  }
  return (
    `<rect width="${w}" height="${h}" fill="${p[1]}"/>` +
    `<g fill="${p[3]}" transform="rotate(${angle} ${w / 2} ${h / 2})">${tiles}</g>`
  )
}

/** Sun rays: wedges around a point. */
const burst: Composition = (random, w, h, p) => {
  const cx = round(w * between(random, 0.2, 0.8))
  const cy = round(h * between(random, 0.2, 0.8))
  const rays = 8 + 2 * Math.floor(random() * 5)
  const offset = random() * Math.PI
  const reach = w * 2
  let wedges = ''
  for (let i = 0; i < rays; i += 2) {
    const a = offset + (i * 2 * Math.PI) / rays
    const b = offset + ((i + 1) * 2 * Math.PI) / rays
    const point = (angle: number) =>
      `${round(cx + reach * Math.cos(angle))},${round(cy + reach * Math.sin(angle))}`
    wedges += `<polygon points="${cx},${cy} ${point(a)} ${point(b)}"/>`
  }
  return (
    `<rect width="${w}" height="${h}" fill="${p[2]}"/><g fill="${p[4]}">${wedges}</g>` +
    `<circle cx="${cx}" cy="${cy}" r="${round(h * 0.12)}" fill="${p[0]}"/>`
  )
}

/** Bubbles of every size on a dark ground. */
const bubbles: Composition = (random, w, h, p) => {
  let circles = ''
  for (let i = 0; i < 18; i++) {
    const r = round(h * between(random, 0.04, 0.22))
    circles +=
      `<circle cx="${round(random() * w)}" cy="${round(random() * h)}" r="${r}" ` +
      `fill="${pick(random, p.slice(1))}" fill-opacity="0.85"/>`
  }
  return `<defs>${gradient('bg', p[0], '#000000', 1, 1)}</defs><rect width="${w}" height="${h}" fill="url(#bg)"/>${circles}`
}

/** Rolling waves in bands from light to dark. */
const waves: Composition = (random, w, h, p) => {
  const bands = 5
  const amplitude = h * between(random, 0.04, 0.09)
  const length = w / between(random, 1.5, 3.5)
  let paths = ''
  for (let i = 0; i < bands; i++) {
    const y = h * (0.15 + (i * 0.85) / bands)
    let d = `M0,${h} L0,${round(y)}`
    for (let x = 0; x <= w; x += 40)
      d += ` L${x},${round(y + amplitude * Math.sin((x / length) * 2 * Math.PI + i))}`
    paths += `<path d="${d} L${w},${h} Z" fill="${[p[1], p[2], p[4], p[3], p[0]][i]}"/>`
  }
  return `<rect width="${w}" height="${h}" fill="#ffffff"/>${paths}`
}

/** A Mondrian-like split into coloured blocks with black bars. */
const blocks: Composition = (random, w, h, p) => {
  const rects: string[] = []
  const split = (x: number, y: number, bw: number, bh: number, depth: number) => {
    if (depth === 0 || bw < w / 6 || bh < h / 5) {
      rects.push(
        `<rect x="${round(x)}" y="${round(y)}" width="${round(bw)}" height="${round(bh)}" ` +
          `fill="${pick(random, [p[1], p[1], p[2], p[3], p[4], '#ffffff'])}" stroke="#111111" stroke-width="18"/>`,
      )
      return
    }
    const ratio = between(random, 0.3, 0.7)
    if (bw > bh) {
      split(x, y, bw * ratio, bh, depth - 1)
      split(x + bw * ratio, y, bw * (1 - ratio), bh, depth - 1)
    } else {
      split(x, y, bw, bh * ratio, depth - 1)
      split(x, y + bh * ratio, bw, bh * (1 - ratio), depth - 1)
    }
  }
  split(0, 0, w, h, 4)
  return rects.join('')
}

/** A ringed planet in a field of stars. */
const planet: Composition = (random, w, h, p) => {
  let stars = ''
  for (let i = 0; i < 120; i++) {
    stars += `<circle cx="${round(random() * w)}" cy="${round(random() * h)}" r="${round(between(random, 1, 5))}"/>`
  }
  const cx = round(w * between(random, 0.25, 0.75))
  const cy = round(h * between(random, 0.35, 0.65))
  const r = round(h * between(random, 0.22, 0.32))
  const tilt = round(between(random, -30, 30))
  return (
    `<defs>${gradient('ball', p[2], p[3], 1, 1)}</defs>` +
    `<rect width="${w}" height="${h}" fill="#05030f"/><g fill="#ffffff">${stars}</g>` +
    `<circle cx="${cx}" cy="${cy}" r="${r}" fill="url(#ball)"/>` +
    `<ellipse cx="${cx}" cy="${cy}" rx="${r * 1.9}" ry="${r * 0.45}" fill="none" stroke="${p[4]}" ` +
    `stroke-width="${round(r * 0.12)}" transform="rotate(${tilt} ${cx} ${cy})"/>`
  )
}

/** Two halves split on a line, a big star across it. */
const star: Composition = (random, w, h, p) => {
  const cx = w * between(random, 0.2, 0.8)
  const cy = h * between(random, 0.3, 0.7)
  const outer = h * between(random, 0.3, 0.45)
  const tips = 4 + Math.floor(random() * 5)
  const turn = random() * Math.PI
  const points: string[] = []
  for (let i = 0; i < 2 * tips; i++) {
    const r = i % 2 === 0 ? outer : outer * 0.45
    const a = turn + (i * Math.PI) / tips
    points.push(`${round(cx + r * Math.cos(a))},${round(cy + r * Math.sin(a))}`)
  }
  const half = pick(random, [
    `0,0 ${w},0 0,${h}`,
    `0,0 ${w},0 ${w},${h}`,
    `0,0 ${w / 2},0 ${w / 2},${h} 0,${h}`,
    `0,0 ${w},0 ${w},${h / 2} 0,${h / 2}`,
  ])
  return (
    `<rect width="${w}" height="${h}" fill="${p[0]}"/>` +
    `<polygon points="${half}" fill="${p[1]}"/>` +
    `<polygon points="${points.join(' ')}" fill="${p[3]}" stroke="${p[2]}" stroke-width="14"/>`
  )
}

/** Halftone dots that grow across the picture. */
const halftone: Composition = (random, w, h, p) => {
  const spacing = round(h / between(random, 7, 11))
  const fromLeft = random() < 0.5
  let dots = ''
  for (let y = spacing / 2; y < h; y += spacing) {
    for (let x = spacing / 2; x < w; x += spacing) {
      const t = fromLeft ? x / w : 1 - x / w
      dots += `<circle cx="${round(x)}" cy="${round(y)}" r="${round((spacing / 2) * (0.15 + 0.85 * t * (0.6 + 0.4 * (y / h))))}"/>`
    }
  }
  return `<rect width="${w}" height="${h}" fill="${p[1]}"/><g fill="${p[0]}">${dots}</g>`
}

const COMPOSITIONS: readonly Composition[] = [
  sunset,
  stripes,
  rings,
  mountains,
  chequers,
  burst,
  bubbles,
  waves,
  blocks,
  planet,
  star,
  halftone,
]

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** The title in big white letters with a black outline, at the top or the bottom. */
function caption(title: string, random: Random, w: number, h: number): string {
  // Bold sans-serif letters are about 0.62 em wide on average; keep the line within 90% of the width.
  const size = round(Math.min(h * 0.15, (w * 0.9) / (title.length * 0.62)))
  const y = random() < 0.5 ? round(h * 0.06 + size) : round(h * 0.94)
  return (
    `<text x="${w / 2}" y="${y}" text-anchor="middle" font-family="DejaVu Sans, Arial, Helvetica, sans-serif" ` +
    `font-weight="bold" font-size="${size}" fill="#ffffff" stroke="#000000" stroke-width="${round(size / 14)}" ` +
    `paint-order="stroke">${escapeXml(title)}</text>`
  )
}

/** Picture `index` (0-based) of the demo, as PNG bytes; the same bytes on every call. */
export async function demoPicture(
  index: number,
  size: { width: number; height: number } = { width: DEMO_PICTURE_WIDTH_PX, height: DEMO_PICTURE_HEIGHT_PX },
): Promise<Buffer> {
  const idea = DEMO_MEME_IDEAS[index]
  if (!idea) throw new Error(`there are ${MAX_DEMO_MEMES} demo pictures; ${index} is not one`)
  const random = seededRandom(0x6d656d65 + index * 7919)
  const compose = COMPOSITIONS[index % COMPOSITIONS.length]!
  const palette = PALETTES[(index * 3 + Math.floor(index / COMPOSITIONS.length)) % PALETTES.length]!
  const { width: w, height: h } = size
  // Mirrored half of the time: one more way for two pictures of a kind to differ in layout.
  const mirror = random() < 0.5 ? ` transform="translate(${w} 0) scale(-1 1)"` : ''
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<g${mirror}>${compose(random, w, h, palette)}</g>${caption(idea.title, random, w, h)}</svg>`
  return sharp(Buffer.from(svg)).flatten({ background: '#000000' }).png({ compressionLevel: 6 }).toBuffer()
}
