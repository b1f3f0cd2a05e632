/**
 * Reads what the upload checks need from a chosen file, in the browser: its first bytes for the
 * type, then its pixel size. The size is decoded with createImageBitmap, which applies EXIF
 * orientation as the server does, so a portrait phone photo is measured upright.
 */
import {
  checkDimensions,
  checkFileHead,
  type FileProblem,
  type ImageType,
  SNIFF_BYTES,
} from './uploadChecks.ts'

export type FileInspection =
  | { ok: false; problem: FileProblem }
  /** Size null: this browser could not decode it, so the server, which names the exact rule, decides. */
  | { ok: true; type: ImageType; size: { width: number; height: number } | null }

async function decodedSize(file: Blob): Promise<{ width: number; height: number } | null> {
  try {
    const bitmap = await createImageBitmap(file)
    const size = { width: bitmap.width, height: bitmap.height }
    bitmap.close()
    return size
  } catch {
    return null
  }
}

export async function inspectImageFile(file: Blob): Promise<FileInspection> {
  const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer())
  const checked = checkFileHead(file.size, head)
  if ('problem' in checked) return { ok: false, problem: checked.problem }
  const size = await decodedSize(file)
  const sizeProblem = size && checkDimensions(size.width, size.height)
  if (sizeProblem) return { ok: false, problem: sizeProblem }
  return { ok: true, type: checked.type, size }
}
