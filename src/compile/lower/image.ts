/**
 * Lowering of conv2d, pooling, their gradient primitives and the fused conv, per backend.
 *
 * Everything runs in NHWC/HWIO (tfjs's layout); after the layout pass the NCHW transposes here are
 * identities. Gradients use src/compile/kernels where tfjs's own kernels are slow or wrong: conv gradients
 * as one forward conv on wasm and cpu, pooling gradients on wasm (and wherever there is padding: tfjs's
 * AvgPoolGrad counts it); elsewhere tfjs's backprop kernels (Conv2DBackpropFilter/Input, MaxPoolGrad).
 */
import * as tf from '@tensorflow/tfjs-core'
import type { Activation, ConvAttrs, Pad4, PoolAttrs } from '../../dsl/ops.js'
import { avgPool2dGrad, conv2dFilterGrad, conv2dInputGrad, interleaveZeros, maxPool2dGrad } from '../kernels/index.js'
import { maxPool2dGradHeap } from '../kernels/max-pool2d-grad-heap.js'
import {
  type LowerContext,
  type Lowering,
  activate,
  convGradsAsForwardConvs,
  fromHwio,
  fromNhwc,
  runsFused,
  hwioShape,
  isWasm,
  nhwcShape,
  tfPad,
  toHwio,
  toNhwc,
  unpadded,
} from './common.js'

const oneDilation = (a: ConvAttrs): boolean => a.dilations[0] === 1 && a.dilations[1] === 1

/**
 * tfjs refuses strides and dilations both > 1; a dilated filter is the filter with zeros inserted
 * between its taps, so that case becomes an undilated conv with a larger, sparser filter.
 */
const convOperands = (f: tf.Tensor4D, a: ConvAttrs): { filter: tf.Tensor4D; dilations: [number, number] } => {
  const oneStride = a.strides[0] === 1 && a.strides[1] === 1
  if (oneStride || oneDilation(a)) return { filter: f, dilations: [a.dilations[0], a.dilations[1]] }
  const [kh, kw, i, o] = f.shape
  const spread = interleaveZeros(tf.reshape(f, [1, kh, kw, i * o]), a.dilations)
  return { filter: tf.reshape(spread, [spread.shape[1], spread.shape[2], i, o]), dilations: [1, 1] }
}

/** conv2d in NHWC/HWIO, optionally with a bias and a fused activation. */
const conv = (x: tf.Tensor4D, f: tf.Tensor4D, a: ConvAttrs, ctx: LowerContext, bias?: tf.Tensor, activation: Activation = 'linear'): tf.Tensor4D => {
  const { filter, dilations } = convOperands(f, a)
  const strides: [number, number] = [a.strides[0], a.strides[1]]
  const pad = tfPad(a.pad)
  if (bias === undefined && activation === 'linear') return tf.conv2d(x, filter, strides, pad, 'NHWC', dilations)
  if (runsFused(ctx.backend, activation) && (bias === undefined || bias.rank === 1)) return tf.fused.conv2d({ x, filter, strides, pad, dataFormat: 'NHWC', dilations, activation, ...(bias ? { bias } : {}) })
  const y = tf.conv2d(x, filter, strides, pad, 'NHWC', dilations)
  return activate(bias ? tf.add(y, bias) : y, activation) as tf.Tensor4D
}

/** Window geometry of a pool on an NHWC input shape. */
const poolGeometry = (s: readonly number[], a: PoolAttrs) => {
  const out = (size: number, p: number, k: number, st: number) => Math.floor((size + p - k) / st) + 1
  return { h: s[1]!, w: s[2]!, oh: out(s[1]!, a.pad[0] + a.pad[1], a.kernel[0], a.strides[0]), ow: out(s[2]!, a.pad[2] + a.pad[3], a.kernel[1], a.strides[1]) }
}

/**
 * How many non-padding input elements each window covers, [1, OH, OW, 1] (at least 1), as a kept constant:
 * average pooling divides by it (PyTorch's count_include_pad=False).
 */
const windowCounts = (xShape: readonly number[], a: PoolAttrs, ctx: LowerContext): tf.Tensor4D => {
  const g = poolGeometry(xShape, a)
  return ctx.constant(`windowCounts:${xShape.join(',')}:${a.kernel}:${a.strides}:${a.pad}`, () => {
    const valid = (o: number, s: number, p: number, k: number, size: number) => Math.max(Math.min(o * s - p + k, size) - Math.max(o * s - p, 0), 0)
    const data = new Float32Array(g.oh * g.ow)
    for (let r = 0; r < g.oh; r++)
      for (let c = 0; c < g.ow; c++) data[r * g.ow + c] = Math.max(valid(r, a.strides[0], a.pad[0], a.kernel[0], g.h) * valid(c, a.strides[1], a.pad[2], a.kernel[1], g.w), 1)
    return tf.tensor4d(data, [1, g.oh, g.ow, 1])
  }) as tf.Tensor4D
}

const kernelOf = (a: PoolAttrs): [number, number] => [a.kernel[0], a.kernel[1]]
const stridesOf = (a: PoolAttrs): [number, number] => [a.strides[0], a.strides[1]]
const padSpatial = (x: tf.Tensor4D, p: Pad4, value: number): tf.Tensor4D => tf.pad(x, [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]], value)

/** Average over each window's non-padding elements. */
const avgPool = (x: tf.Tensor4D, a: PoolAttrs, ctx: LowerContext): tf.Tensor4D => {
  if (unpadded(a.pad)) return tf.avgPool(x, kernelOf(a), stridesOf(a), 'valid')
  const sums = tf.mul(tf.avgPool(padSpatial(x, a.pad, 0), kernelOf(a), stridesOf(a), 'valid'), a.kernel[0] * a.kernel[1])
  return tf.div(sums, windowCounts(x.shape, a, ctx))
}

/** Max over each window; padding is -Infinity and never wins. */
const maxPool = (x: tf.Tensor4D, a: PoolAttrs): tf.Tensor4D =>
  tf.maxPool(unpadded(a.pad) ? x : padSpatial(x, a.pad, -Infinity), kernelOf(a), stridesOf(a), 'valid')

/** dL/dfilter in HWIO: one forward conv on wasm and cpu (and for dilations, which tfjs's kernel lacks), else tfjs's kernel. */
const filterGrad = (x: tf.Tensor4D, dy: tf.Tensor4D, hwio: [number, number, number, number], a: ConvAttrs, ctx: LowerContext): tf.Tensor4D =>
  convGradsAsForwardConvs(ctx.backend) || !oneDilation(a)
    ? conv2dFilterGrad(x, dy, hwio, [a.strides[0], a.strides[1]], tfPad(a.pad), [a.dilations[0], a.dilations[1]])
    : (tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: [...a.strides], pad: tfPad(a.pad), dataFormat: 'NHWC', filterShape: hwio }) as tf.Tensor4D)

/** dL/dx in NHWC: one forward conv on wasm and cpu (and for dilations), else tfjs's kernel. */
const inputGrad = (dy: tf.Tensor4D, f: tf.Tensor4D, xShape: [number, number, number, number], a: ConvAttrs, ctx: LowerContext): tf.Tensor4D =>
  convGradsAsForwardConvs(ctx.backend) || !oneDilation(a)
    ? conv2dInputGrad(dy, f, xShape, [a.strides[0], a.strides[1]], tfPad(a.pad), [a.dilations[0], a.dilations[1]])
    : (tf.engine().runKernel(tf.Conv2DBackpropInput, { dy, filter: f }, { strides: [...a.strides], pad: tfPad(a.pad), dataFormat: 'NHWC', inputShape: xShape }) as tf.Tensor4D)

/**
 * dL/dx of average pooling. The kernel spreads dy / (KH*KW) over each window; with padding the IR divides
 * by the window's non-padding count instead, so dy is rescaled by KH*KW / count first.
 */
const avgPoolGrad = (dy: tf.Tensor4D, xShape: [number, number, number, number], a: PoolAttrs, ctx: LowerContext): tf.Tensor4D => {
  const scaled = unpadded(a.pad) ? dy : tf.div(tf.mul(dy, a.kernel[0] * a.kernel[1]), windowCounts(xShape, a, ctx))
  return avgPool2dGrad(scaled as tf.Tensor4D, xShape, kernelOf(a), stridesOf(a), tfPad(a.pad))
}

/**
 * dL/dx of max pooling: the one-pass heap kernel on wasm (tfjs-wasm's MaxPoolGrad drops windows whose
 * values are all <= 0), the tfjs composition with padding elsewhere; tfjs's MaxPoolGrad otherwise (it also
 * routes each window to its first maximum).
 */
const maxPoolGrad = (dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, a: PoolAttrs, ctx: LowerContext): tf.Tensor4D =>
  isWasm(ctx.backend) && x.dtype === 'float32'
    ? maxPool2dGradHeap(dy, x, kernelOf(a), stridesOf(a), a.pad)
    : isWasm(ctx.backend) || !unpadded(a.pad)
    ? maxPool2dGrad(dy, x, y, kernelOf(a), stridesOf(a), tfPad(a.pad))
    : (tf.engine().runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, { filterSize: kernelOf(a), strides: stridesOf(a), pad: 'valid' }) as tf.Tensor4D)

/** The lowerings of the image ops. */
export const imageLowerings = {
  conv2d: ([x, f], a, ctx) => fromNhwc(conv(toNhwc(x!, a.layout), toHwio(f!, a.layout), a, ctx), a.layout),
  fusedConv2d: ([x, f, bias], a, ctx) => fromNhwc(conv(toNhwc(x!, a.layout), toHwio(f!, a.layout), a, ctx, bias, a.activation), a.layout),
  avgPool2d: ([x], a, ctx) => fromNhwc(avgPool(toNhwc(x!, a.layout), a, ctx), a.layout),
  maxPool2d: ([x], a) => fromNhwc(maxPool(toNhwc(x!, a.layout), a), a.layout),
  conv2dFilterGrad: ([x, dy], a, ctx) =>
    fromHwio(filterGrad(toNhwc(x!, a.layout), toNhwc(dy!, a.layout), hwioShape(ctx.bind(a.filterShape), a.layout), a, ctx), a.layout),
  conv2dInputGrad: ([dy, f], a, ctx) =>
    fromNhwc(inputGrad(toNhwc(dy!, a.layout), toHwio(f!, a.layout), nhwcShape(ctx.bind(a.inputShape), a.layout), a, ctx), a.layout),
  avgPool2dGrad: ([dy], a, ctx) => fromNhwc(avgPoolGrad(toNhwc(dy!, a.layout), nhwcShape(ctx.bind(a.inputShape), a.layout), a, ctx), a.layout),
  maxPool2dGrad: ([dy, x, y], a, ctx) =>
    fromNhwc(maxPoolGrad(toNhwc(dy!, a.layout), toNhwc(x!, a.layout), toNhwc(y!, a.layout), a, ctx), a.layout),
} satisfies { [O in 'conv2d' | 'fusedConv2d' | 'avgPool2d' | 'maxPool2d' | 'conv2dFilterGrad' | 'conv2dInputGrad' | 'avgPool2dGrad' | 'maxPool2dGrad']: Lowering<O> }
