/**
 * A conv2d with its bias and activation in one SIMD pass on wasm (simd/kernels.ts): for the small
 * input-channel counts of early layers, where XNNPACK's packing leaves most of each vector idle
 * (LeNet's first conv: 1 input channel), and the activation is applied while the tile is in registers.
 */
import * as tf from '@tensorflow/tfjs-core'
import { convGeometry, type ConvPad, type Pair } from './conv-geometry.js'
import { CONV2D_FORWARD, FORWARD_ACTIVATIONS, padForTaps } from './simd/kernels.js'
import { onWasm, runHeapKernel } from './wasm-heap.js'

/** Activations {@link conv2dSimd} fuses. */
export type SimdActivation = keyof typeof FORWARD_ACTIVATIONS

/** Input channels up to which the SIMD conv beats XNNPACK (measured on LeNet's shapes, 2 cores). */
const MAX_SIMD_CHANNELS = 4

/**
 * activation(conv2d(x, w) + bias) as one SIMD kernel when the backend is wasm, x has at most
 * {@link MAX_SIMD_CHANNELS} channels and the activation is one it fuses; otherwise undefined (the
 * caller's tfjs path runs). Shapes: x [N,H,W,Ci] NHWC, w [KH,KW,Ci,Co] HWIO, bias [Co] -> [N,OH,OW,Co].
 * @example conv2dSimd(x, w, 1, [[0, 0], [2, 2], [2, 2], [0, 0]], 1, b, 'sigmoid') // [256, 28, 28, 6]
 */
export function conv2dSimd(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  strides: Pair,
  pad: ConvPad,
  dilations: Pair,
  bias: tf.Tensor | undefined,
  activation: string,
): tf.Tensor4D | undefined {
  const [, , ci, co] = w.shape
  const fused = activation in FORWARD_ACTIVATIONS
  const plain = x.dtype === 'float32' && w.dtype === 'float32' && (bias === undefined || (bias.dtype === 'float32' && bias.rank === 1 && bias.size === co))
  if (!onWasm() || !fused || !plain || ci > MAX_SIMD_CHANNELS || x.size === 0 || w.size === 0) return undefined
  const g = convGeometry(x.shape, [w.shape[0], w.shape[1]], strides, pad, dilations)
  if (g.outH <= 0 || g.outW <= 0) return undefined
  return tf.tidy(() => {
    const xp = padForTaps(x, g, g.outH, g.outW)
    const attrs = { strides: g.stride, dilations: g.dilation, outShape: [x.shape[0], g.outH, g.outW, co], activation }
    return runHeapKernel(CONV2D_FORWARD, bias ? { xp, w, bias } : { xp, w }, attrs)[0] as tf.Tensor4D
  })
}
