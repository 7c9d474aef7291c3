/**
 * Gradient of maxPool (NHWC) from x and the saved output y, correct for any window contents
 * (tfjs-wasm's MaxPoolGrad drops windows whose values are all <= 0).
 *
 * Ties: each window routes its dy to ONE cell, the first maximum in row-major window order,
 * matching tfjs-cpu's MaxPoolGrad. Padding cells count as -Infinity and never win.
 */
import * as tf from '@tensorflow/tfjs-core'
import { convGeometry, interleaveZeros, pair, type ConvPad, type Pair } from './conv-geometry.js'

/**
 * dL/dx of `y = maxPool(x, kernel, strides, pad)` given dy. x [N,H,W,C], y and dy [N,OH,OW,C].
 * Walks the kH*kW window offsets: offset (i,j) wins where its strided view of x equals y and no
 * earlier offset won; its dy share is zero-interleaved back onto the input grid.
 * @example maxPool2dGrad(dy, x, y, 2, 2, 'valid') // -> Tensor4D shaped like x
 */
export function maxPool2dGrad(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  kernel: Pair,
  strides: Pair,
  pad: ConvPad = 'valid',
): tf.Tensor4D {
  return tf.tidy(() => {
    const [kH, kW] = pair(kernel)
    const g = convGeometry(x.shape, [kH, kW], strides, pad, 1)
    const [n, , , c] = x.shape
    const [sh, sw] = g.stride
    const spanH = (g.outH - 1) * sh + kH
    const spanW = (g.outW - 1) * sw + kW
    const padBottom = spanH - g.top - g.inH
    const padRight = spanW - g.left - g.inW
    const xPad = tf.pad(x, [[0, 0], [g.top, Math.max(0, padBottom)], [g.left, Math.max(0, padRight)], [0, 0]], -Infinity)
    const gridH = g.top + g.inH + Math.max(0, padBottom)
    const gridW = g.left + g.inW + Math.max(0, padRight)
    let taken = tf.zeros([n, g.outH, g.outW, c], 'bool')
    let dxPad = tf.zeros([n, gridH, gridW, c]) as tf.Tensor4D
    for (let i = 0; i < kH; i++) {
      for (let j = 0; j < kW; j++) {
        const view = tf.stridedSlice(
          xPad,
          [0, i, j, 0],
          [n, i + (g.outH - 1) * sh + 1, j + (g.outW - 1) * sw + 1, c],
          [1, sh, sw, 1],
        )
        const wins = tf.logicalAnd(tf.equal(view, y), tf.logicalNot(taken))
        taken = tf.logicalOr(taken, wins)
        const share = interleaveZeros(tf.where(wins, dy, tf.zerosLike(dy)) as tf.Tensor4D, g.stride)
        const placed = tf.pad(share, [
          [0, 0],
          [i, gridH - i - share.shape[1]],
          [j, gridW - j - share.shape[2]],
          [0, 0],
        ])
        dxPad = tf.add(dxPad, placed)
      }
    }
    return tf.slice(dxPad, [0, g.top, g.left, 0], [n, g.inH, g.inW, c])
  })
}
