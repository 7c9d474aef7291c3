/**
 * An NHWC conv2d with its bias and activation as register tiles of the dense product's micro-kernel on
 * wasm (simd/conv-tiles-kernel.ts): 4 output positions x 8 output channels per tile, the 4 positions'
 * windows packed in L1 (no im2col of the whole input). XNNPACK's conv in tfjs-wasm runs LeNet's second
 * conv at ~11-14 GMAC/s per core.
 */
import type * as tf from '@tensorflow/tfjs-core'
import { CONV2D_TILES } from './simd/conv-tiles-kernel.js'
import { type SimdConvArgs, type SimdConvKernel, pooledPair, runSimdConv } from './simd-conv-args.js'

const TILES: SimdConvKernel = { name: CONV2D_TILES, fits: () => true, extraRight: () => 0 }

/**
 * activation(conv2d(x, w) + bias) as one SIMD kernel when the backend is wasm and the activation is
 * linear, relu or sigmoid; otherwise undefined (the caller's tfjs path runs). Shapes: x [N,H,W,Ci] NHWC,
 * w [KH,KW,Ci,Co] HWIO, bias [Co] -> [N,OH,OW,Co].
 * @example conv2dTiled(x, w, 1, 'valid', 1, b, 'sigmoid') // x [256, 14, 14, 6], w [5, 5, 6, 16] -> [256, 10, 10, 16]
 */
export function conv2dTiled(...args: SimdConvArgs): tf.Tensor4D | undefined {
  return runSimdConv(TILES, args, false)?.[0]
}

/**
 * {@link conv2dTiled} and the 2 x 2 (stride 2) average pool of its output in the same pass (a work item
 * is then one pooling window), where it applies and the output's height and width are even: [y, pooled],
 * pooled [N,OH/2,OW/2,Co].
 * @example conv2dTiledPooled(x, w, 1, 'valid', 1, b, 'sigmoid') // [[256, 10, 10, 16], [256, 5, 5, 16]]
 */
export function conv2dTiledPooled(...args: SimdConvArgs): [tf.Tensor4D, tf.Tensor4D] | undefined {
  return pooledPair(runSimdConv(TILES, args, true))
}
