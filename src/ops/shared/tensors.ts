/**
 * tfjs helpers that reference evaluations and lowerings share: axis normalization, reductions, image
 * layouts (tfjs's kernels run NHWC with HWIO filters) and padding.
 */
import * as tf from '@tensorflow/tfjs-core'
import type { Layout, Pad4, ReduceAttrs } from './attrs.js'

/** Normalizes possibly negative axes. @example axesOf([-1], 4) // [3] */
export const axesOf = (axes: readonly number[], rank: number): number[] => axes.map((a) => (a < 0 ? a + rank : a))

/**
 * A reduction with `f`; no axes means the identity, as the shape rule says.
 * @example reduceWith((t, ax, k) => tf.sum(t, ax, k))(x, { axes: [0], keepDims: false })
 */
export const reduceWith =
  (f: (x: tf.Tensor, axes: number[], keepDims: boolean) => tf.Tensor) =>
  (x: tf.Tensor, a: ReduceAttrs): tf.Tensor =>
    a.axes.length === 0 ? x : f(x, axesOf(a.axes, x.rank), a.keepDims)

/** An image tensor in NHWC, whatever `layout` it is in (the layout pass makes this the identity). @example toNhwc(x, 'NCHW') */
export const toNhwc = (x: tf.Tensor, layout: Layout): tf.Tensor4D => (layout === 'NCHW' ? tf.transpose(x, [0, 2, 3, 1]) : x) as tf.Tensor4D
/** An NHWC image tensor back in `layout`. @example fromNhwc(y, 'NCHW') */
export const fromNhwc = (x: tf.Tensor, layout: Layout): tf.Tensor4D => (layout === 'NCHW' ? tf.transpose(x, [0, 3, 1, 2]) : x) as tf.Tensor4D
/** A filter in HWIO (tfjs's layout) from OIHW (NCHW layout) or HWIO (NHWC layout). @example toHwio(w, 'NCHW') */
export const toHwio = (f: tf.Tensor, layout: Layout): tf.Tensor4D => (layout === 'NCHW' ? tf.transpose(f, [2, 3, 1, 0]) : f) as tf.Tensor4D
/** An HWIO filter back in the filter layout of `layout`. @example fromHwio(dw, 'NCHW') */
export const fromHwio = (f: tf.Tensor, layout: Layout): tf.Tensor4D => (layout === 'NCHW' ? tf.transpose(f, [3, 2, 0, 1]) : f) as tf.Tensor4D
/** An image shape as NHWC. @example nhwcShape([2, 3, 8, 8], 'NCHW') // [2, 8, 8, 3] */
export const nhwcShape = (s: readonly number[], layout: Layout): [number, number, number, number] =>
  (layout === 'NCHW' ? [s[0]!, s[2]!, s[3]!, s[1]!] : [...s]) as [number, number, number, number]
/** A filter shape as HWIO. @example hwioShape([6, 1, 5, 5], 'NCHW') // [5, 5, 1, 6] */
export const hwioShape = (s: readonly number[], layout: Layout): [number, number, number, number] =>
  (layout === 'NCHW' ? [s[2]!, s[3]!, s[1]!, s[0]!] : [...s]) as [number, number, number, number]

/** tfjs's explicit padding for `[top, bottom, left, right]`, or 'valid' when there is none (cheaper). @example tfPad([0, 0, 0, 0]) // 'valid' */
export const tfPad = (p: Pad4): 'valid' | tf.backend_util.ExplicitPadding =>
  p.every((v) => v === 0) ? 'valid' : [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]]
/** Whether a pad has no padding at all. @example unpadded([0, 0, 0, 0]) // true */
export const unpadded = (p: Pad4): boolean => p.every((v) => v === 0)
/** Pads the spatial axes of an NHWC tensor with `value`. @example padSpatial(x, [1, 1, 1, 1], -Infinity) */
export const padSpatial = (x: tf.Tensor4D, p: Pad4, value = 0): tf.Tensor4D => tf.pad(x, [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]], value)
