/**
 * An NHWC conv2d with its bias and activation as register tiles of the dense product's micro-kernel on
 * wasm (simd/conv-tiles-kernel.ts): 4 output positions x 8 output channels per tile, the 4 positions'
 * windows packed in L1 (no im2col of the whole input). XNNPACK's conv in tfjs-wasm runs LeNet's second
 * conv at ~11-14 GMAC/s per core.
 */
import * as tf from '@tensorflow/tfjs-core'
import { convGeometry } from './conv-geometry.js'
import { CONV2D_TILES } from './simd/conv-tiles-kernel.js'
import { type SimdConvArgs, simdConvApplies } from './simd-conv-args.js'
import { padForTaps } from './simd/kernels.js'
import { runHeapKernel } from './wasm-heap.js'

/**
 * activation(conv2d(x, w) + bias) as one SIMD kernel when the backend is wasm and the activation is
 * linear, relu or sigmoid; otherwise undefined (the caller's tfjs path runs). Shapes: x [N,H,W,Ci] NHWC,
 * w [KH,KW,Ci,Co] HWIO, bias [Co] -> [N,OH,OW,Co].
 * @example conv2dTiled(x, w, 1, 'valid', 1, b, 'sigmoid') // x [256, 14, 14, 6], w [5, 5, 6, 16] -> [256, 10, 10, 16]
 */
export function conv2dTiled(...args: SimdConvArgs): tf.Tensor4D | undefined {
  return tiled(args, false)?.[0]
}

/**
 * {@link conv2dTiled} and the 2 x 2 (stride 2) average pool of its output in the same pass (a work item
 * is then one pooling window), where it applies and the output's height and width are even: [y, pooled],
 * pooled [N,OH/2,OW/2,Co].
 * @example conv2dTiledPooled(x, w, 1, 'valid', 1, b, 'sigmoid') // [[256, 10, 10, 16], [256, 5, 5, 16]]
 */
export function conv2dTiledPooled(...args: SimdConvArgs): [tf.Tensor4D, tf.Tensor4D] | undefined {
  const r = tiled(args, true)
  return r && [r[0]!, r[1]!]
}

const tiled = ([x, w, strides, pad, dilations, bias, activation]: SimdConvArgs, pool: boolean): tf.Tensor4D[] | undefined => {
  const co = w.shape[3]
  if (!simdConvApplies(x, w, bias, activation)) return undefined
  const g = convGeometry(x.shape, [w.shape[0], w.shape[1]], strides, pad, dilations)
  if (g.outH <= 0 || g.outW <= 0 || (pool && (g.outH % 2 !== 0 || g.outW % 2 !== 0))) return undefined
  return tf.tidy(() => {
    const xp = padForTaps(x, g, g.outH, g.outW)
    const attrs = { strides: g.stride, dilations: g.dilation, outShape: [x.shape[0], g.outH, g.outW, co], activation, pool }
    return runHeapKernel(CONV2D_TILES, bias ? { xp, w, bias } : { xp, w }, attrs) as tf.Tensor4D[]
  })
}
