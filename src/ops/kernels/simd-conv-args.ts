/**
 * What the SIMD forward convs (conv2d-one-channel.ts, conv2d-tiles.ts) take, the checks they share before
 * choosing a kernel, and the call they share once one is chosen.
 */
import * as tf from '@tensorflow/tfjs-core'
import { type ConvGeometry, type ConvPad, type Pair, convGeometry } from './conv-geometry.js'
import { KERNEL_ACTIVATIONS, padForTaps } from './simd/kernels.js'
import { onWasm, runHeapKernel } from './wasm-heap.js'

/** x [N,H,W,Ci] NHWC, w [KH,KW,Ci,Co] HWIO, strides, padding, dilations, bias [Co] or none, and the activation. */
export type SimdConvArgs = readonly [x: tf.Tensor4D, w: tf.Tensor4D, strides: Pair, pad: ConvPad, dilations: Pair, bias: tf.Tensor | undefined, activation: string]

/**
 * Whether a SIMD conv may run these operands: the backend is wasm, everything is float32 and non-empty,
 * the bias is a [Co] vector (or absent), x's channels are w's input channels, and the activation is one
 * the kernels apply (linear, relu, sigmoid).
 * @example simdConvApplies(x, w, b, 'sigmoid') // true on wasm for LeNet's convs
 */
export const simdConvApplies = (x: tf.Tensor4D, w: tf.Tensor4D, bias: tf.Tensor | undefined, activation: string): boolean => {
  const co = w.shape[3]
  const floats = x.dtype === 'float32' && w.dtype === 'float32' && (bias === undefined || (bias.dtype === 'float32' && bias.rank === 1 && bias.size === co))
  return onWasm() && activation in KERNEL_ACTIVATIONS && floats && x.size > 0 && w.size > 0 && x.shape[3] === w.shape[2]
}

/** One SIMD forward conv kernel: what it adds to {@link simdConvApplies}, and the padding its tiles read. */
export interface SimdConvKernel {
  /** The tfjs kernel (inputs xp, w, bias; attrs strides, dilations, outShape, activation, pool). */
  readonly name: string
  /** Whether it computes this conv (e.g. one input channel only). */
  readonly fits: (g: ConvGeometry, w: tf.Tensor4D) => boolean
  /** Zero columns x needs right of what its taps read (whole tiles reading past the last output). */
  readonly extraRight: (g: ConvGeometry) => number
}

/**
 * Runs `kernel` on `args` over x padded for its taps: [y], or with `pool` [y, y's 2 x 2 average pool];
 * undefined where it does not apply (nor, with `pool`, where the output's height or width is odd).
 * @example runSimdConv(kernel, [x, w, 1, 'valid', 1, b, 'sigmoid'], true) // [[256, 10, 10, 16], [256, 5, 5, 16]]
 */
export const runSimdConv = (kernel: SimdConvKernel, [x, w, strides, pad, dilations, bias, activation]: SimdConvArgs, pool: boolean): tf.Tensor4D[] | undefined => {
  if (!simdConvApplies(x, w, bias, activation)) return undefined
  const g = convGeometry(x.shape, [w.shape[0], w.shape[1]], strides, pad, dilations)
  if (g.outH <= 0 || g.outW <= 0 || !kernel.fits(g, w) || (pool && (g.outH % 2 !== 0 || g.outW % 2 !== 0))) return undefined
  return tf.tidy(() => {
    const xp = padForTaps(x, g, g.outH, g.outW, kernel.extraRight(g))
    const attrs = { strides: g.stride, dilations: g.dilation, outShape: [x.shape[0], g.outH, g.outW, w.shape[3]], activation, pool }
    return runHeapKernel(kernel.name, bias ? { xp, w, bias } : { xp, w }, attrs) as tf.Tensor4D[]
  })
}

/** The [y, pooled] pair of a pooled {@link runSimdConv}. */
export const pooledPair = (r: tf.Tensor4D[] | undefined): [tf.Tensor4D, tf.Tensor4D] | undefined => r && [r[0]!, r[1]!]
