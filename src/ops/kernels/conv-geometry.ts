/**
 * Shared geometry for the conv/pool gradient kernels: tfjs' own padding rules, plus the
 * reshape/pad tricks (zero-interleave, signed padding) that turn gradients into forward convs.
 */
import * as tf from '@tensorflow/tfjs-core'

/** tfjs padding spec: 'valid' | 'same' | a number | explicit [[0,0],[top,bottom],[left,right],[0,0]]. */
export type ConvPad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding

/** A pair (height, width) or one number for both. */
export type Pair = number | readonly [number, number]

/** Expands a {@link Pair}. @example pair(2) // [2, 2] */
export function pair(p: Pair): [number, number] {
  return typeof p === 'number' ? [p, p] : [p[0], p[1]]
}

/** Per-axis geometry of an NHWC conv, exactly as tfjs computes it (pads may be asymmetric). */
export interface ConvGeometry {
  readonly inH: number
  readonly inW: number
  readonly outH: number
  readonly outW: number
  readonly kH: number
  readonly kW: number
  readonly stride: [number, number]
  readonly dilation: [number, number]
  readonly top: number
  readonly bottom: number
  readonly left: number
  readonly right: number
}

/**
 * Geometry of conv2d(x: inputShape NHWC, filter: [kH, kW, ...]) under tfjs' rules.
 * @example convGeometry([1, 5, 5, 1], [3, 3], 1, 'same', 1).top // 1
 */
export function convGeometry(
  inputShape: readonly number[],
  kernel: readonly [number, number],
  strides: Pair,
  pad: ConvPad,
  dilations: Pair,
): ConvGeometry {
  const [n, h, w, c] = inputShape
  const info = tf.backend_util.computeConv2DInfo(
    [n, h, w, c],
    [kernel[0], kernel[1], c, 1],
    pair(strides),
    pair(dilations),
    pad as 'valid',
  )
  return {
    inH: h,
    inW: w,
    outH: info.outHeight,
    outW: info.outWidth,
    kH: kernel[0],
    kW: kernel[1],
    stride: [info.strideHeight, info.strideWidth],
    dilation: [info.dilationHeight, info.dilationWidth],
    top: info.padInfo.top,
    bottom: info.padInfo.bottom,
    left: info.padInfo.left,
    right: info.padInfo.right,
  }
}

/**
 * Inserts (s-1) zeros between neighbouring rows/columns: [N, H, W, C] -> [N, (H-1)sh+1, (W-1)sw+1, C].
 * Only 4-D reshapes/pads, which every backend supports natively.
 * @example interleaveZeros(dy, [2, 2]) // [1, 3, 3, 1] -> [1, 5, 5, 1]
 */
export function interleaveZeros(t: tf.Tensor4D, stride: readonly [number, number]): tf.Tensor4D {
  const [sh, sw] = stride
  if (sh === 1 && sw === 1) return t
  const [n, h, w, c] = t.shape
  let out: tf.Tensor4D = t
  if (sh > 1) {
    const rows = tf.pad(tf.reshape(out, [n, h, 1, w * c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0]])
    out = tf.slice(tf.reshape(rows, [n, h * sh, w, c]), [0, 0, 0, 0], [n, (h - 1) * sh + 1, w, c]) as tf.Tensor4D
  }
  if (sw > 1) {
    const hh = out.shape[1]
    const cols = tf.pad(tf.reshape(out, [n * hh, w, 1, c]), [[0, 0], [0, 0], [0, sw - 1], [0, 0]])
    out = tf.slice(tf.reshape(cols, [n, hh, w * sw, c]), [0, 0, 0, 0], [n, hh, (w - 1) * sw + 1, c]) as tf.Tensor4D
  }
  return out
}

/** Signed spatial padding of an NHWC tensor: negative amounts crop. */
export interface SignedPads {
  readonly top: number
  readonly bottom: number
  readonly left: number
  readonly right: number
}

/**
 * Crops the negative sides of `pads` away and returns the tensor plus the remaining (>= 0) pads,
 * in tfjs' explicit-padding form so that XNNPACK pads inside the conv instead of copying.
 * @example cropNegative(x, { top: 1, bottom: -2, left: 0, right: 0 }) // x minus 2 bottom rows, [[0,0],[1,0],[0,0],[0,0]]
 */
export function cropNegative(
  t: tf.Tensor4D,
  pads: SignedPads,
): { tensor: tf.Tensor4D; padding: tf.backend_util.ExplicitPadding } {
  const [n, h, w, c] = t.shape
  const cropTop = Math.max(0, -pads.top)
  const cropBottom = Math.max(0, -pads.bottom)
  const cropLeft = Math.max(0, -pads.left)
  const cropRight = Math.max(0, -pads.right)
  const cropped =
    cropTop + cropBottom + cropLeft + cropRight === 0
      ? t
      : tf.slice(t, [0, cropTop, cropLeft, 0], [n, h - cropTop - cropBottom, w - cropLeft - cropRight, c])
  const padding: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [Math.max(0, pads.top), Math.max(0, pads.bottom)],
    [Math.max(0, pads.left), Math.max(0, pads.right)],
    [0, 0],
  ]
  return { tensor: cropped, padding }
}

/** True when all four explicit pads are zero (then 'valid' is the cheaper spelling). */
export function isZeroPadding(p: tf.backend_util.ExplicitPadding): boolean {
  return p.every(([a, b]) => a === 0 && b === 0)
}
