/**
 * Worker thread entry: renders the frames that render-pool.ts asks for. The scene (textures and
 * frame size) arrives once; each request then carries only its frame plan, and the finished
 * frame goes back as a transferred buffer, so no pixel is copied between threads.
 */
import { parentPort } from 'node:worker_threads'
import type { RenderReply, RenderRequest } from './render-pool.ts'
import { renderFrame } from './warp.ts'

const port = parentPort
if (!port) throw new Error('render-worker.ts runs only as a worker thread')

port.on('message', (request: RenderRequest) => {
  const { scene, plan, frameIndex } = request
  const pixels = new Int32Array(scene.frameWidth * scene.frameHeight)
  renderFrame(scene.card, scene.background, plan, scene.frameWidth, scene.frameHeight, pixels)
  const reply: RenderReply = { frameIndex, pixels }
  port.postMessage(reply, [pixels.buffer])
})
