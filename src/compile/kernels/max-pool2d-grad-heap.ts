/**
 * dL/dx of maxPool (NHWC) on tfjs-backend-wasm's heap: each window's dy goes to its first maximal
 * element in row-major window order (padding never wins), found from x directly, so all-negative and
 * overlapping windows are handled the same way. One read pass over the windows, one scatter.
 * (The tfjs composition in max-pool2d-grad.ts needs ~10 ops per window offset; tfjs-wasm's own
 * MaxPoolGrad drops windows whose values are all <= 0.)
 */
import * as tf from '@tensorflow/tfjs-core'
import { f32, registerHeapKernel, runHeapKernel } from './wasm-heap.js'

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
  out.fill(0)
  const best = new Float32Array(c)
  const at = new Int32Array(c)
  for (let b = 0; b < n; b++) {
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
  return [dx]
})

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
