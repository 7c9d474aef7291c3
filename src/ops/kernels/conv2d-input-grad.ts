/**
 * Gradient of conv2d with respect to its input. On wasm: the SIMD kernel (simd/kernels.ts), which
 * gathers into each dx position only the taps that read it from inside dy (half the multiplications of a
 * full convolution over zero-padded dy on LeNet's second conv). Elsewhere ONE forward conv2d
 * (tfjs-wasm's own Conv2DBackpropInput is 5-10x slower than its XNNPACK forward conv):
 *
 * dx[i] = sum_k dyz[i + top - k*d] W[k], with dyz = dy zero-interleaved by the stride;
 * flipping k turns it into a stride-1 forward conv with dilation d over dyz padded by
 * (K-1)d - top on the leading side, with filter reverse(W) transposed to [KH, KW, Co, Ci].
 */
import * as tf from '@tensorflow/tfjs-core'
import { convGeometry, cropNegative, interleaveZeros, isZeroPadding, type ConvPad, type Pair } from './conv-geometry.js'
import { CONV2D_INPUT_GRAD } from './simd/kernels.js'
import { onWasm, runHeapKernel } from './wasm-heap.js'

/**
 * dL/dx of `conv2d(x, filter, strides, pad, 'NHWC', dilations)` given dy = dL/dy.
 * Shapes: dy [N,OH,OW,Co], filter [KH,KW,Ci,Co], result inputShape [N,H,W,Ci].
 * @example conv2dInputGrad(dy, w, [256, 14, 14, 6], 1, 'valid', 1) // -> Tensor4D [256, 14, 14, 6]
 */
export function conv2dInputGrad(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: readonly [number, number, number, number],
  strides: Pair = 1,
  pad: ConvPad = 'valid',
  dilations: Pair = 1,
): tf.Tensor4D {
  if (onWasm() && dy.dtype === 'float32' && filter.dtype === 'float32' && dy.size > 0 && filter.size > 0) {
    const g = convGeometry(inputShape, [filter.shape[0], filter.shape[1]], strides, pad, dilations)
    const attrs = { inputShape: [...inputShape], strides: g.stride, dilations: g.dilation, top: g.top, left: g.left }
    return runHeapKernel(CONV2D_INPUT_GRAD, { dy, w: filter }, attrs)[0] as tf.Tensor4D
  }
  return tf.tidy(() => {
    const [kH, kW] = filter.shape
    const g = convGeometry(inputShape, [kH, kW], strides, pad, dilations)
    const dyz = interleaveZeros(dy, g.stride)
    const leadH = (kH - 1) * g.dilation[0] - g.top
    const leadW = (kW - 1) * g.dilation[1] - g.left
    const { tensor, padding } = cropNegative(dyz, {
      top: leadH,
      bottom: g.inH + (kH - 1) * g.dilation[0] - leadH - dyz.shape[1],
      left: leadW,
      right: g.inW + (kW - 1) * g.dilation[1] - leadW - dyz.shape[2],
    })
    // Every tap lands in padding: some backends (wasm) would return uninitialised memory.
    if (tensor.size === 0) return tf.zeros([...inputShape]) as tf.Tensor4D
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D
    return tf.conv2d(tensor, flipped, 1, isZeroPadding(padding) ? 'valid' : padding, 'NHWC', g.dilation)
  })
}
