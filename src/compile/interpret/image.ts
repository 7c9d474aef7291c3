/**
 * Reference evaluation of conv2d, pooling, their gradient primitives and the fused conv.
 *
 * Forward conv and max pooling use tfjs kernels; everything else is written as a loop over the KH*KW
 * kernel offsets, each one a strided slice ("patch") of the padded input or its adjoint (a zero-inserted
 * "scatter" into the padded input), so the gradients here do not share code with tfjs's own gradients.
 * All work happens in NHWC; NCHW operands are transposed in and out.
 */
import * as tf from '@tensorflow/tfjs-core'
import type { ConvAttrs, Pad4, PoolAttrs } from '../../dsl/ops.js'
import { type Evaluator, activate, fromHwio, fromNhwc, hwioShape, nhwcShape, toHwio, toNhwc } from './common.js'

/** Window geometry of one conv/pool application on an NHWC input. */
interface Window {
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

const windowOf = (xShape: readonly number[], k: readonly [number, number], s: readonly [number, number], d: readonly [number, number], pad: Pad4): Window => {
  const [n, h, w, c] = xShape as [number, number, number, number]
  const out = (size: number, p: number, ki: number, si: number, di: number) => Math.floor((size + p - di * (ki - 1) - 1) / si) + 1
  return {
    n, h, w, c, kh: k[0], kw: k[1], sh: s[0], sw: s[1], dh: d[0], dw: d[1], pad,
    oh: out(h, pad[0] + pad[1], k[0], s[0], d[0]),
    ow: out(w, pad[2] + pad[3], k[1], s[1], d[1]),
  }
}

const padSpatial = (x: tf.Tensor4D, p: Pad4, value = 0): tf.Tensor4D => tf.pad(x, [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]], value)
const unpadSpatial = (x: tf.Tensor4D, g: Window): tf.Tensor4D => tf.slice(x, [0, g.pad[0], g.pad[2], 0], [g.n, g.h, g.w, x.shape[3]])

/** The input values that kernel offset (i, j) sees at every output position: [N, OH, OW, C]. */
const patch = (xp: tf.Tensor4D, g: Window, i: number, j: number): tf.Tensor4D =>
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

/** The adjoint of `patch`: v [N, OH, OW, C] added back at offset (i, j) of the padded input. */
const scatter = (v: tf.Tensor4D, g: Window, i: number, j: number): tf.Tensor4D => {
  const u = zeroInsert(zeroInsert(v, 1, g.sh), 2, g.sw)
  const [hp, wp] = [g.h + g.pad[0] + g.pad[1], g.w + g.pad[2] + g.pad[3]]
  const [top, left] = [i * g.dh, j * g.dw]
  return tf.pad(u, [[0, 0], [top, hp - top - u.shape[1]], [left, wp - left - u.shape[2]], [0, 0]])
}

const sumAll = (ts: tf.Tensor4D[]): tf.Tensor4D => (ts.length === 1 ? ts[0]! : (tf.addN(ts) as tf.Tensor4D))
const offsets = (g: Window): [number, number][] =>
  Array.from({ length: g.kh * g.kw }, (_, k) => [Math.floor(k / g.kw), k % g.kw] as [number, number])
const tapOf = (f: tf.Tensor4D, i: number, j: number): tf.Tensor2D =>
  tf.reshape(tf.slice(f, [i, j, 0, 0], [1, 1, f.shape[2], f.shape[3]]), [f.shape[2], f.shape[3]])
const tfPad = (p: Pad4): [[number, number], [number, number], [number, number], [number, number]] => [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]]

/** conv2d in NHWC/HWIO; tfjs refuses strides and dilations both > 1, so that case sums the taps. */
const conv = (x: tf.Tensor4D, f: tf.Tensor4D, a: ConvAttrs): tf.Tensor4D => {
  const oneStride = a.strides[0] === 1 && a.strides[1] === 1
  const oneDilation = a.dilations[0] === 1 && a.dilations[1] === 1
  if (oneStride || oneDilation) return tf.conv2d(x, f, [a.strides[0], a.strides[1]], tfPad(a.pad), 'NHWC', [a.dilations[0], a.dilations[1]])
  const g = windowOf(x.shape, [f.shape[0], f.shape[1]], a.strides, a.dilations, a.pad)
  const xp = padSpatial(x, a.pad)
  const taps = offsets(g).map(([i, j]) =>
    tf.reshape(tf.matMul(tf.reshape(patch(xp, g, i, j), [-1, g.c]), tapOf(f, i, j)), [g.n, g.oh, g.ow, f.shape[3]]) as tf.Tensor4D,
  )
  return sumAll(taps)
}

const poolWindow = (x: tf.Tensor4D, a: PoolAttrs): Window => windowOf(x.shape, a.kernel, a.strides, [1, 1], a.pad)

/** How many non-padding input elements each output window covers: [1, OH, OW, 1] (at least 1). */
const windowCounts = (g: Window): tf.Tensor4D => {
  const valid = (o: number, s: number, p: number, k: number, size: number) => Math.max(Math.min(o * s - p + k, size) - Math.max(o * s - p, 0), 0)
  const data = new Float32Array(g.oh * g.ow)
  for (let r = 0; r < g.oh; r++)
    for (let c = 0; c < g.ow; c++) data[r * g.ow + c] = Math.max(valid(r, g.sh, g.pad[0], g.kh, g.h) * valid(c, g.sw, g.pad[2], g.kw, g.w), 1)
  return tf.tensor4d(data, [1, g.oh, g.ow, 1])
}

/** Average over the non-padding elements of each window (PyTorch's count_include_pad=False). */
const avgPool = (x: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D => {
  const g = poolWindow(x, a)
  const windowSum = tf.mul(tf.avgPool(padSpatial(x, a.pad), a.kernel as [number, number], a.strides as [number, number], 'valid'), g.kh * g.kw)
  return tf.div(windowSum, windowCounts(g))
}

/** Max over each window; padding never wins (it is -Infinity). */
const maxPool = (x: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D =>
  tf.maxPool(padSpatial(x, a.pad, -Infinity), a.kernel as [number, number], a.strides as [number, number], 'valid')

/**
 * dL/dx of maxPool: each window's gradient goes to the first element (in row-major window order) equal
 * to the window's max, as PyTorch does.
 */
const maxPoolGrad = (dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D => {
  const g = poolWindow(x, a)
  const xp = padSpatial(x, a.pad, -Infinity)
  let taken = tf.cast(tf.zerosLike(y), 'bool')
  const parts = offsets(g).map(([i, j]) => {
    const wins = tf.logicalAnd(tf.equal(patch(xp, g, i, j), y), tf.logicalNot(taken))
    taken = tf.logicalOr(taken, wins)
    return scatter(tf.mul(dy, tf.cast(wins, 'float32')), g, i, j)
  })
  return unpadSpatial(sumAll(parts), g)
}

/** The evaluators of the image ops. */
export const imageEvaluators = {
  conv2d: ([x, f], a) => fromNhwc(conv(toNhwc(x!, a.layout), toHwio(f!, a.layout), a), a.layout),
  fusedConv2d: ([x, f, bias], a) => {
    const y = conv(toNhwc(x!, a.layout), toHwio(f!, a.layout), a)
    return fromNhwc(activate(bias ? tf.add(y, bias) : y, a.activation) as tf.Tensor4D, a.layout)
  },
  avgPool2d: ([x], a) => fromNhwc(avgPool(toNhwc(x!, a.layout), a), a.layout),
  maxPool2d: ([x], a) => fromNhwc(maxPool(toNhwc(x!, a.layout), a), a.layout),
  conv2dFilterGrad: ([x0, dy0], a, ctx) => {
    const [x, dy] = [toNhwc(x0!, a.layout), toNhwc(dy0!, a.layout)]
    const hwio = hwioShape(ctx.bind(a.filterShape), a.layout) as [number, number, number, number]
    const g = windowOf(x.shape, [hwio[0], hwio[1]], a.strides, a.dilations, a.pad)
    const xp = padSpatial(x, a.pad)
    const dy2 = tf.reshape(dy, [-1, hwio[3]])
    const taps = offsets(g).map(([i, j]) => tf.matMul(tf.reshape(patch(xp, g, i, j), [-1, g.c]), dy2, true, false))
    return fromHwio(tf.reshape(tf.stack(taps), hwio) as tf.Tensor4D, a.layout)
  },
  conv2dInputGrad: ([dy0, f0], a, ctx) => {
    const [dy, f] = [toNhwc(dy0!, a.layout), toHwio(f0!, a.layout)]
    const xShape = nhwcShape(ctx.bind(a.inputShape), a.layout)
    const g = windowOf(xShape, [f.shape[0], f.shape[1]], a.strides, a.dilations, a.pad)
    const dy2 = tf.reshape(dy, [-1, f.shape[3]])
    const parts = offsets(g).map(([i, j]) =>
      scatter(tf.reshape(tf.matMul(dy2, tapOf(f, i, j), false, true), [g.n, g.oh, g.ow, g.c]) as tf.Tensor4D, g, i, j),
    )
    return fromNhwc(unpadSpatial(sumAll(parts), g), a.layout)
  },
  avgPool2dGrad: ([dy0], a, ctx) => {
    const dy = toNhwc(dy0!, a.layout)
    const xShape = nhwcShape(ctx.bind(a.inputShape), a.layout)
    const g = windowOf(xShape, a.kernel, a.strides, [1, 1], a.pad)
    const share = tf.div(dy, windowCounts(g)) as tf.Tensor4D
    return fromNhwc(unpadSpatial(sumAll(offsets(g).map(([i, j]) => scatter(share, g, i, j))), g), a.layout)
  },
  maxPool2dGrad: ([dy, x, y], a) =>
    fromNhwc(maxPoolGrad(toNhwc(dy!, a.layout), toNhwc(x!, a.layout), toNhwc(y!, a.layout), a), a.layout),
} satisfies { [O in 'conv2d' | 'fusedConv2d' | 'avgPool2d' | 'maxPool2d' | 'conv2dFilterGrad' | 'conv2dInputGrad' | 'avgPool2dGrad' | 'maxPool2dGrad']: Evaluator<O> }
