/**
 * Gradient of conv2d with respect to its filter. On wasm: the SIMD kernel (simd/kernels.ts), which
 * reads x and dy in place (XNNPACK would take dy as a conv filter, and repack all of it every step).
 * Elsewhere: ONE forward conv2d, since backends are fastest at those:
 *
 * dW[kh,kw,ci,co] = sum_{n,oh,ow} x[n, oh*s + kh*d - top, ow*s + kw*d - left, ci] * dy[n,oh,ow,co]
 * is a forward conv whose batch is ci, whose channels are n, whose "filter" is dy:
 *   input  x'  = transpose(x,  [3,1,2,0])  [Ci, H, W, N]
 *   filter dy' = transpose(dy, [1,2,0,3])  [OH, OW, N, Co]
 *   stride = forward dilation, dilation = forward stride, output [Ci, KH, KW, Co] -> [KH, KW, Ci, Co].
 */
import * as tf from '@tensorflow/tfjs-core'
import { convGeometry, cropNegative, interleaveZeros, isZeroPadding, type ConvGeometry, type ConvPad, type Pair } from './conv-geometry.js'
import { CONV2D_FILTER_GRAD, bytesAfter, padForTaps } from './simd/kernels.js'
import { onWasm, runHeapKernel } from './wasm-heap.js'

/**
 * dL/dW of `conv2d(x, W, strides, pad, 'NHWC', dilations)` given dy = dL/dy.
 * Shapes: x [N,H,W,Ci], dy [N,OH,OW,Co], result [KH,KW,Ci,Co] (HWIO, as tfjs filters).
 * @example conv2dFilterGrad(x, dy, [5, 5, 1, 6], 1, 2, 1) // -> Tensor4D [5, 5, 1, 6]
 */
export function conv2dFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: readonly [number, number, number, number],
  strides: Pair = 1,
  pad: ConvPad = 'valid',
  dilations: Pair = 1,
): tf.Tensor4D {
  if (onWasm() && x.dtype === 'float32' && dy.dtype === 'float32' && x.size > 0 && dy.size > 0 && bytesAfter(tf.backend() as never, dy) >= 16) {
    return tf.tidy(() => {
      const g = convGeometry(x.shape, [filterShape[0], filterShape[1]], strides, pad, dilations)
      const xp = padForTaps(x, g, dy.shape[1], dy.shape[2])
      const attrs = { filterShape: [...filterShape], strides: g.stride, dilations: g.dilation }
      return runHeapKernel(CONV2D_FILTER_GRAD, { xp, dy }, attrs)[0] as tf.Tensor4D
    })
  }
  return tf.tidy(() => {
    const g = convGeometry(x.shape, [filterShape[0], filterShape[1]], strides, pad, dilations)
    // tfjs forbids stride > 1 together with dilation > 1; interleaving dy's zeros turns the
    // (forward-stride) dilation into 1 at the price of a sparser filter.
    const bothStrided = g.stride.some((s) => s > 1) && g.dilation.some((d) => d > 1)
    const dyUsed = bothStrided ? interleaveZeros(dy, g.stride) : dy
    return filterGradFromHWNC(x, tf.transpose(dyUsed, [1, 2, 0, 3]), filterShape, g, bothStrided)
  })
}


/** The forward conv itself; `dyT` is [OH',OW',N,Co] (zero-interleaved when `interleaved`). */
function filterGradFromHWNC(
  x: tf.Tensor4D,
  dyT: tf.Tensor4D,
  filterShape: readonly [number, number, number, number],
  g: ConvGeometry,
  interleaved: boolean,
): tf.Tensor4D {
  const [kH, kW, ci, co] = filterShape
  const gradDilation: [number, number] = interleaved ? [1, 1] : g.stride
  const spanH = (kH - 1) * g.dilation[0] + (g.outH - 1) * g.stride[0] + 1
  const spanW = (kW - 1) * g.dilation[1] + (g.outW - 1) * g.stride[1] + 1
  // Ci = 1: [N,H,W,1] -> [1,H,W,N] is a reshape-like copy, but transpose keeps it uniform.
  const xT = tf.transpose(x, [3, 1, 2, 0])
  const { tensor, padding } = cropNegative(xT, {
    top: g.top,
    bottom: spanH - g.top - g.inH,
    left: g.left,
    right: spanW - g.left - g.inW,
  })
  // Every tap lands in padding: some backends (wasm) would return uninitialised memory.
  if (tensor.size === 0) return tf.zeros([kH, kW, ci, co]) as tf.Tensor4D
  const out = tf.conv2d(tensor, dyT, g.dilation, isZeroPadding(padding) ? 'valid' : padding, 'NHWC', gradDilation)
  return (ci === 1 ? tf.reshape(out, [kH, kW, 1, co]) : tf.transpose(out, [1, 2, 0, 3])) as tf.Tensor4D
}
