/**
 * Attribute types several op modules share: image layouts, padding, window and conv geometry,
 * reductions and the activations fused kernels run.
 */

/** Spatial layout of 4-D image tensors: the API is NCHW (like PyTorch); tfjs kernels are NHWC. @example const l: Layout = 'NHWC' */
export type Layout = 'NCHW' | 'NHWC'

/** Explicit padding `[top, bottom, left, right]`. @example const p: Pad4 = [2, 2, 2, 2] */
export type Pad4 = readonly [number, number, number, number]
/** `[height, width]` pairs: strides, dilations, kernel sizes. @example const s: Pair = [1, 1] */
export type Pair = readonly [number, number]

/** Activations that fused kernels run after a conv or matMul. @example const a: Activation = 'relu' */
export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh'

/** conv2d and its gradients. @example { strides: [1, 1], pad: [2, 2, 2, 2], dilations: [1, 1], layout: 'NCHW' } */
export interface ConvAttrs {
  readonly strides: Pair
  readonly pad: Pad4
  readonly dilations: Pair
  /** NCHW: x [N,C,H,W], filter [O,I,KH,KW]. NHWC: x [N,H,W,C], filter [KH,KW,I,O] (tfjs). */
  readonly layout: Layout
}

/**
 * Pooling windows. Padding never contributes: maxPool2d treats it as -Infinity, and avgPool2d averages
 * over the window's non-padding elements only (PyTorch's count_include_pad=False; a window entirely in
 * the padding gives 0). tfjs's forward avgPool kernels agree, but tfjs's own AvgPoolGrad divides by the
 * full kernel area, so lowerings must not use it where padding is non-zero (each module's `eval` is the
 * reference). maxPool2dGrad sends each window's gradient to its first maximal element (row-major).
 *
 * @example { kernel: [2, 2], strides: [2, 2], pad: [0, 0, 0, 0], layout: 'NCHW' }
 */
export interface PoolAttrs {
  readonly kernel: Pair
  readonly strides: Pair
  readonly pad: Pad4
  readonly layout: Layout
}

/** The axes a reduction (sum, mean, max) reduces, and whether it keeps them as size-1 dims. @example { axes: [0], keepDims: false } */
export interface ReduceAttrs {
  readonly axes: readonly number[]
  readonly keepDims: boolean
}
