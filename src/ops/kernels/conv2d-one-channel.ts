/**
 * A conv2d over ONE input channel (a grayscale first layer, e.g. LeNet's) with its bias and activation,
 * as one SIMD pass on wasm (simd/kernels.ts). XNNPACK packs such a conv channels-last, where a 1-channel
 * input leaves its vectors mostly idle (~6 GMAC/s on LeNet's first layer on 2 cores); the kernel puts 4
 * output positions in each vector instead and applies the activation while the tile is in registers.
 */
import type * as tf from '@tensorflow/tfjs-core'
import { type SimdConvArgs, type SimdConvKernel, pooledPair, runSimdConv } from './simd-conv-args.js'
import { CONV2D_ONE_CHANNEL } from './simd/kernels.js'

const ONE_CHANNEL: SimdConvKernel = {
  name: CONV2D_ONE_CHANNEL,
  fits: (g, w) => w.shape[2] === 1 && g.stride[1] === 1,
  // whole 4-position tiles: the last one may read up to 3 columns past the output's last tap
  extraRight: (g) => Math.ceil(g.outW / 4) * 4 - g.outW,
}

/**
 * activation(conv2d(x, w) + bias) as one SIMD kernel when the backend is wasm, x has one channel, the
 * horizontal stride is 1 and the activation is linear, relu or sigmoid; otherwise undefined (the
 * caller's tfjs path runs). Shapes: x [N,H,W,1] NHWC, w [KH,KW,1,Co] HWIO, bias [Co] -> [N,OH,OW,Co].
 * @example conv2dOneChannel(x, w, 1, [[0, 0], [2, 2], [2, 2], [0, 0]], 1, b, 'sigmoid') // [256, 28, 28, 6]
 */
export function conv2dOneChannel(...args: SimdConvArgs): tf.Tensor4D | undefined {
  return runSimdConv(ONE_CHANNEL, args, false)?.[0]
}

/**
 * {@link conv2dOneChannel} and the 2 x 2 (stride 2) average pool of its output in the same pass, where
 * it applies and the output's height and width are even: [y, pooled], pooled [N,OH/2,OW/2,Co].
 * @example conv2dOneChannelPooled(x, w, 1, 'same', 1, b, 'sigmoid') // [[256, 28, 28, 6], [256, 14, 14, 6]]
 */
export function conv2dOneChannelPooled(...args: SimdConvArgs): [tf.Tensor4D, tf.Tensor4D] | undefined {
  return pooledPair(runSimdConv(ONE_CHANNEL, args, true))
}
