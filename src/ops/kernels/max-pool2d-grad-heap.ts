/**
 * dL/dx of maxPool (NHWC) on tfjs-backend-wasm's heap: each window's dy goes to its first maximal
 * element in row-major window order (padding never wins), found from x directly, so all-negative and
 * overlapping windows are handled the same way. One read pass over the windows, one scatter.
 * (The tfjs composition in max-pool2d-grad.ts needs ~10 ops per window offset; tfjs-wasm's own
 * MaxPoolGrad drops windows whose values are all <= 0.)
 */
import * as tf from '@tensorflow/tfjs-core'
import { f32, registerHeapKernel, runHeapKernel } from './wasm-heap.js'
import { registerSplitKernel, runSplit } from './heap-threads.js'

const MAX_POOL_GRAD = 'TypegradMaxPoolGradHeap'

registerHeapKernel(MAX_POOL_GRAD, ['dy', 'x'], (backend, [dy, x], attrs) => {
  const [kh, kw] = attrs['kernel'] as [number, number]
  const [sh, sw] = attrs['strides'] as [number, number]
  const [top, , left] = attrs['pad'] as [number, number, number, number]
  const [n, h, w, c] = x.shape as [number, number, number, number]
  const [, oh, ow] = dy.shape as [number, number, number, number]
  const dx = backend.makeOutput([n, h, w, c], 'float32')
  const xs = f32(backend, x)
  const dys = f32(backend, dy)
  const out = f32(backend, dx)
  maxPoolGradViews(xs, dys, out, [n, h, w, c], [oh, ow], [kh, kw], [sh, sw], [top, left])
  return [dx]
})

/**
 * The max-pool gradient over views that share one buffer (the wasm heap): x [N,H,W,C],
 * dy [N,OH,OW,C] -> out [N,H,W,C]; pad is [top, left]. Splits the batch over two threads when
 * the buffer is shared and the job is big (see heap-threads.ts).
 * @example maxPoolGradViews(xs, dys, dx, [n, h, w, c], [oh, ow], [2, 2], [2, 2], [0, 0])
 */
export function maxPoolGradViews(
  xs: Float32Array, dys: Float32Array, out: Float32Array,
  [n, h, w, c]: readonly [number, number, number, number], [oh, ow]: readonly [number, number],
  [kh, kw]: readonly [number, number], [sh, sw]: readonly [number, number], [top, left]: readonly [number, number],
): void {
  const params = [xs.byteOffset, dys.byteOffset, out.byteOffset, n, h, w, c, oh, ow, kh, kw, sh, sw, top, left]
  // Images are independent (each writes only its own slice of dx), so the batch splits cleanly.
  runSplit(MAX_POOL_GRAD, xs.buffer, params, n, NO_ACC, Math.ceil(SPLIT_MIN_ELEMENTS / Math.max(1, h * w * c)))
}

/** Elements below which the kernel stays on one thread (the handoff costs ~20-40 us). */
const SPLIT_MIN_ELEMENTS = 1 << 14
const NO_ACC = new Float64Array(0)

/** Split body: images [b0, b1) (self-contained: its source also runs in the heap worker). */
function maxPoolGradPart(heap: ArrayBufferLike, p: Float64Array, b0: number, b1: number): void {
  // `| 0`: params arrive as doubles; small-int indices keep the loops in integer math.
  const n = p[3]! | 0, h = p[4]! | 0, w = p[5]! | 0, c = p[6]! | 0, oh = p[7]! | 0, ow = p[8]! | 0
  const kh = p[9]! | 0, kw = p[10]! | 0, sh = p[11]! | 0, sw = p[12]! | 0, top = p[13]! | 0, left = p[14]! | 0
  b0 |= 0
  b1 |= 0
  const xs = new Float32Array(heap, p[0]!, n * h * w * c)
  const dys = new Float32Array(heap, p[1]!, n * oh * ow * c)
  const out = new Float32Array(heap, p[2]!, n * h * w * c)
  out.fill(0, b0 * h * w * c, b1 * h * w * c)
  const best = new Float32Array(c)
  const at = new Int32Array(c)
  for (let b = b0; b < b1; b++) {
    const img = b * h * w * c
    for (let r = 0; r < oh; r++) {
      const r0 = Math.max(r * sh - top, 0)
      const r1 = Math.min(r * sh - top + kh, h)
      for (let q = 0; q < ow; q++) {
        const c0 = Math.max(q * sw - left, 0)
        const c1 = Math.min(q * sw - left + kw, w)
        best.fill(-Infinity)
        at.fill(-1)
        for (let i = r0; i < r1; i++)
          for (let j = c0; j < c1; j++) {
            const base = img + (i * w + j) * c
            // strict '>' keeps the first maximum; the first cell always takes over from -Infinity
            for (let k = 0; k < c; k++) {
              const v = xs[base + k]!
              if (v > best[k]! || at[k] === -1) {
                best[k] = v
                at[k] = base + k
              }
            }
          }
        const o = ((b * oh + r) * ow + q) * c
        for (let k = 0; k < c; k++) if (at[k]! >= 0) out[at[k]!] += dys[o + k]!
      }
    }
  }
}

registerSplitKernel(MAX_POOL_GRAD, maxPoolGradPart)

/**
 * dL/dx of `maxPool(x, kernel, strides, pad)` given dy; x [N,H,W,C], dy [N,OH,OW,C], pad [top, bottom, left, right].
 * @example maxPool2dGradHeap(dy, x, [2, 2], [2, 2], [0, 0, 0, 0]) // -> shaped like x
 */
export const maxPool2dGradHeap = (
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  kernel: readonly [number, number],
  strides: readonly [number, number],
  pad: readonly [number, number, number, number],
): tf.Tensor4D => runHeapKernel(MAX_POOL_GRAD, { dy, x }, { kernel: [...kernel], strides: [...strides], pad: [...pad] })[0] as tf.Tensor4D
