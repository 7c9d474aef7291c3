/**
 * What the SIMD forward convs (conv2d-one-channel.ts, conv2d-tiles.ts) take, and the checks they share
 * before choosing a kernel.
 */
import type * as tf from '@tensorflow/tfjs-core'
import type { ConvPad, Pair } from './conv-geometry.js'
import { KERNEL_ACTIVATIONS } from './simd/kernels.js'
import { onWasm } from './wasm-heap.js'

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
