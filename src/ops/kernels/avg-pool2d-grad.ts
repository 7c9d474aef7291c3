/**
 * Gradient of avgPool (NHWC), replacing tfjs-wasm's slow AvgPoolGrad kernel.
 *
 * Semantics follow tfjs' AvgPoolGrad: every window spreads dy / (kH*kW) over its cells, also
 * for windows clipped by 'same' padding (tfjs' gradient uses the full window size there).
 */
import * as tf from '@tensorflow/tfjs-core'
import { conv2dInputGrad } from './conv2d-input-grad.js'
import { convGeometry, pair, type ConvPad, type Pair } from './conv-geometry.js'

/**
 * dL/dx of `avgPool(x, kernel, strides, pad)` given dy. dy [N,OH,OW,C] -> inputShape [N,H,W,C].
 * Non-overlapping unpadded windows (the LeNet case) are a broadcast upsample; anything else is a
 * transposed conv with a constant filter, channels folded into the batch.
 * @example avgPool2dGrad(dy, [256, 28, 28, 6], 2, 2, 'valid') // -> Tensor4D [256, 28, 28, 6]
 */
export function avgPool2dGrad(
  dy: tf.Tensor4D,
  inputShape: readonly [number, number, number, number],
  kernel: Pair,
  strides: Pair,
  pad: ConvPad = 'valid',
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kH, kW] = pair(kernel)
    const g = convGeometry(inputShape, [kH, kW], strides, pad, 1)
    const [n, , , c] = inputShape
    const scale = 1 / (kH * kW)
    const tiles = g.stride[0] === kH && g.stride[1] === kW && g.top === 0 && g.left === 0
    if (tiles) {
      const up = upsampleBlocks(dy, kH, kW, scale)
      const [, uh, uw] = up.shape
      if (uh === g.inH && uw === g.inW) return up
      return tf.pad(up, [[0, 0], [0, g.inH - uh], [0, g.inW - uw], [0, 0]])
    }
    const folded = tf.reshape(tf.transpose(dy, [0, 3, 1, 2]), [n * c, g.outH, g.outW, 1]) as tf.Tensor4D
    const filter = tf.fill([kH, kW, 1, 1], scale) as tf.Tensor4D
    const dx = conv2dInputGrad(folded, filter, [n * c, g.inH, g.inW, 1], g.stride, pad, 1)
    return tf.transpose(tf.reshape(dx, [n, c, g.inH, g.inW]), [0, 2, 3, 1])
  })
}

/**
 * Repeats every pixel into a kH x kW block, times `scale`: [N,H,W,C] -> [N,H*kH,W*kW,C].
 * One broadcasting multiply in 5-D (tfjs-wasm's Tile is ~10x slower than XNNPACK's broadcast).
 * @example upsampleBlocks(t, 2, 2) // [1, 2, 2, 3] -> [1, 4, 4, 3]
 */
export function upsampleBlocks(t: tf.Tensor4D, kH: number, kW: number, scale = 1): tf.Tensor4D {
  const [n, h, w, c] = t.shape
  const blocks = tf.fill([1, kH, 1, kW, 1], scale)
  return tf.reshape(tf.mul(tf.reshape(t, [n * h, 1, w, 1, c]), blocks), [n, h * kH, w * kW, c])
}
