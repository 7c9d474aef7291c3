/**
 * Sliding windows over NHWC images, for the reference evaluations of conv2d, pooling and their gradients.
 *
 * They are written as a loop over the KH*KW kernel offsets, each one a strided slice ("patch") of the
 * padded input or its adjoint (a zero-inserted "scatter" into the padded input), so the reference
 * gradients share no code with tfjs's own gradients. The pooling window counts are shared with the
 * lowerings (host data, made once).
 */
import * as tf from '@tensorflow/tfjs-core'
import type { Pad4, Pair } from './attrs.js'
import { windowSize } from './shape-rules.js'

/** Window geometry of one conv/pool application on an NHWC input. @example windowOf(x.shape, [2, 2], [2, 2], [1, 1], [0, 0, 0, 0]) */
export interface Window {
  readonly n: number
  readonly h: number
  readonly w: number
  readonly c: number
  readonly kh: number
  readonly kw: number
  readonly sh: number
  readonly sw: number
  readonly dh: number
  readonly dw: number
  readonly pad: Pad4
  readonly oh: number
  readonly ow: number
}

/** The geometry of kernel `k`, strides `s`, dilations `d` and `pad` over an NHWC shape. @example windowOf([2, 28, 28, 1], [5, 5], [1, 1], [1, 1], [2, 2, 2, 2]).oh // 28 */
export const windowOf = (xShape: readonly number[], k: Pair, s: Pair, d: Pair, pad: Pad4): Window => {
  const [n, h, w, c] = xShape as [number, number, number, number]
  return {
    n, h, w, c, kh: k[0], kw: k[1], sh: s[0], sw: s[1], dh: d[0], dw: d[1], pad,
    oh: windowSize(h, pad[0] + pad[1], k[0], s[0], d[0]),
    ow: windowSize(w, pad[2] + pad[3], k[1], s[1], d[1]),
  }
}

/** The unpadded part of a padded NHWC tensor. @example unpadSpatial(padSpatial(x, g.pad), g) // x */
export const unpadSpatial = (x: tf.Tensor4D, g: Window): tf.Tensor4D => tf.slice(x, [0, g.pad[0], g.pad[2], 0], [g.n, g.h, g.w, x.shape[3]])

/** The input values that kernel offset (i, j) sees at every output position: [N, OH, OW, C]. @example patch(xp, g, 0, 0) */
export const patch = (xp: tf.Tensor4D, g: Window, i: number, j: number): tf.Tensor4D =>
  tf.stridedSlice(
    xp,
    [0, i * g.dh, j * g.dw, 0],
    [xp.shape[0], i * g.dh + (g.oh - 1) * g.sh + 1, j * g.dw + (g.ow - 1) * g.sw + 1, xp.shape[3]],
    [1, g.sh, g.sw, 1],
  ) as tf.Tensor4D

/** Inserts `stride - 1` zeros between the entries along `axis` (a strided scatter's spacing). */
const zeroInsert = (v: tf.Tensor4D, axis: 1 | 2, stride: number): tf.Tensor4D => {
  if (stride === 1) return v
  const s = v.shape
  const pads: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]
  pads[axis + 1] = [0, stride - 1]
  const spread = tf.pad(tf.expandDims(v, axis + 1), pads)
  const long = [...s] as number[]
  long[axis] = s[axis]! * stride
  const size = [...s] as number[]
  size[axis] = (s[axis]! - 1) * stride + 1
  return tf.slice(tf.reshape(spread, long), [0, 0, 0, 0], size) as tf.Tensor4D
}

/** The adjoint of `patch`: v [N, OH, OW, C] added back at offset (i, j) of the padded input. @example scatter(dy, g, 0, 0) */
export const scatter = (v: tf.Tensor4D, g: Window, i: number, j: number): tf.Tensor4D => {
  const u = zeroInsert(zeroInsert(v, 1, g.sh), 2, g.sw)
  const [hp, wp] = [g.h + g.pad[0] + g.pad[1], g.w + g.pad[2] + g.pad[3]]
  const [top, left] = [i * g.dh, j * g.dw]
  return tf.pad(u, [[0, 0], [top, hp - top - u.shape[1]], [left, wp - left - u.shape[2]], [0, 0]])
}

/** The sum of same-shaped tensors. @example sumAll(offsets(g).map(([i, j]) => patch(xp, g, i, j))) */
export const sumAll = (ts: tf.Tensor4D[]): tf.Tensor4D => (ts.length === 1 ? ts[0]! : (tf.addN(ts) as tf.Tensor4D))

/** The kernel offsets (i, j) in row-major order. @example offsets(g) // [[0, 0], [0, 1], ...] */
export const offsets = (g: Window): [number, number][] =>
  Array.from({ length: g.kh * g.kw }, (_, k) => [Math.floor(k / g.kw), k % g.kw] as [number, number])

/** The [I, O] matrix of an HWIO filter at offset (i, j). @example tapOf(f, 0, 0) */
export const tapOf = (f: tf.Tensor4D, i: number, j: number): tf.Tensor2D =>
  tf.reshape(tf.slice(f, [i, j, 0, 0], [1, 1, f.shape[2], f.shape[3]]), [f.shape[2], f.shape[3]])

/**
 * How many non-padding input elements each output window of `g` covers, row-major [OH, OW] (at least 1):
 * what average pooling divides by (PyTorch's count_include_pad=False).
 *
 * @example windowCountData(windowOf([1, 3, 3, 1], [2, 2], [2, 2], [1, 1], [0, 1, 0, 1])) // [4, 2, 2, 1]
 */
export const windowCountData = (g: Window): Float32Array => {
  const valid = (o: number, s: number, p: number, k: number, size: number) => Math.max(Math.min(o * s - p + k, size) - Math.max(o * s - p, 0), 0)
  const data = new Float32Array(g.oh * g.ow)
  for (let r = 0; r < g.oh; r++)
    for (let c = 0; c < g.ow; c++) data[r * g.ow + c] = Math.max(valid(r, g.sh, g.pad[0], g.kh, g.h) * valid(c, g.sw, g.pad[2], g.kw, g.w), 1)
  return data
}
