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
      const up = upsampleBlocks(tf.mul(dy, scale) as tf.Tensor4D, kH, kW)
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
 * Repeats every pixel into a kH x kW block: [N,H,W,C] -> [N,H*kH,W*kW,C].
 * Two 4-D broadcasts (rows, then columns) keep it within every backend's native rank.
 * @example upsampleBlocks(t, 2, 2) // [1, 2, 2, 3] -> [1, 4, 4, 3]
 */
export function upsampleBlocks(t: tf.Tensor4D, kH: number, kW: number): tf.Tensor4D {
  const [n, h, w, c] = t.shape
  const rows = kH === 1 ? t : tf.reshape(tf.tile(tf.reshape(t, [n * h, 1, w * c]), [1, kH, 1]), [n, h * kH, w, c])
  if (kW === 1) return rows as tf.Tensor4D
  return tf.reshape(tf.tile(tf.reshape(rows, [n * h * kH * w, 1, c]), [1, kW, 1]), [n, h * kH, w * kW, c])
}
