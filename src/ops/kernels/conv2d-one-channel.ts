/**
 * A conv2d over ONE input channel (a grayscale first layer, e.g. LeNet's) with its bias and activation,
 * as one SIMD pass on wasm (simd/kernels.ts). XNNPACK packs such a conv channels-last, where a 1-channel
 * input leaves its vectors mostly idle (~6 GMAC/s on LeNet's first layer on 2 cores); the kernel puts 4
 * output positions in each vector instead and applies the activation while the tile is in registers.
 */
import * as tf from '@tensorflow/tfjs-core'
import { convGeometry } from './conv-geometry.js'
import { type SimdConvArgs, simdConvApplies } from './simd-conv-args.js'
import { CONV2D_ONE_CHANNEL, padForTaps } from './simd/kernels.js'
import { runHeapKernel } from './wasm-heap.js'

/**
 * activation(conv2d(x, w) + bias) as one SIMD kernel when the backend is wasm, x has one channel, the
 * horizontal stride is 1 and the activation is linear, relu or sigmoid; otherwise undefined (the
 * caller's tfjs path runs). Shapes: x [N,H,W,1] NHWC, w [KH,KW,1,Co] HWIO, bias [Co] -> [N,OH,OW,Co].
 * @example conv2dOneChannel(x, w, 1, [[0, 0], [2, 2], [2, 2], [0, 0]], 1, b, 'sigmoid') // [256, 28, 28, 6]
 */
export function conv2dOneChannel(...args: SimdConvArgs): tf.Tensor4D | undefined {
  return oneChannel(args, false)?.[0]
}

/**
 * {@link conv2dOneChannel} and the 2 x 2 (stride 2) average pool of its output in the same pass, where
 * it applies and the output's height and width are even: [y, pooled], pooled [N,OH/2,OW/2,Co].
 * @example conv2dOneChannelPooled(x, w, 1, 'same', 1, b, 'sigmoid') // [[256, 28, 28, 6], [256, 14, 14, 6]]
 */
export function conv2dOneChannelPooled(...args: SimdConvArgs): [tf.Tensor4D, tf.Tensor4D] | undefined {
  const r = oneChannel(args, true)
  return r && [r[0]!, r[1]!]
}

const oneChannel = ([x, w, strides, pad, dilations, bias, activation]: SimdConvArgs, pool: boolean): tf.Tensor4D[] | undefined => {
  const [kh, kw, ci, co] = w.shape
  if (!simdConvApplies(x, w, bias, activation) || ci !== 1) return undefined
  const g = convGeometry(x.shape, [kh, kw], strides, pad, dilations)
  if (g.stride[1] !== 1 || g.outH <= 0 || g.outW <= 0 || (pool && (g.outH % 2 !== 0 || g.outW % 2 !== 0))) return undefined
  return tf.tidy(() => {
    // whole 4-position tiles: the last one may read up to 3 columns past the output's last tap
    const tiles = Math.ceil(g.outW / 4) * 4
    const xp = padForTaps(x, g, g.outH, g.outW, tiles - g.outW)
    const attrs = { strides: g.stride, dilations: g.dilation, outShape: [x.shape[0], g.outH, g.outW, co], activation, pool }
    return runHeapKernel(CONV2D_ONE_CHANNEL, bias ? { xp, w, bias } : { xp, w }, attrs) as tf.Tensor4D[]
  })
}
