/**
 * The primitive operations of the typegrad IR and their attributes.
 * Every table keyed by `Op` (shape rules here, gradient rules and lowerings in src/compile) is typed
 * `satisfies { [O in Op]: ... }`, so adding an op without its rules is a compile error.
 */
import type { RShape } from './shape.js'

/** Spatial layout of 4-D image tensors: the API is NCHW (like PyTorch); tfjs kernels are NHWC. */
export type Layout = 'NCHW' | 'NHWC'

/** Explicit padding `[top, bottom, left, right]`. */
export type Pad4 = readonly [number, number, number, number]
/** `[height, width]` pairs: strides, dilations, kernel sizes. */
export type Pair = readonly [number, number]

/** Parameter initializers (fan-in/fan-out come from the parameter's shape). */
export type Initializer =
  | 'xavierUniform'
  | 'xavierNormal'
  | 'kaimingUniform'
  | 'kaimingNormal'
  | 'torchDefault'
  | 'zeros'
  | 'ones'

/** Activations that fused kernels run after a conv or matMul. */
export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh'

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
 * full kernel area, so lowerings must not use it where padding is non-zero (src/compile/interpret is the
 * reference). maxPool2dGrad sends each window's gradient to its first maximal element (row-major).
 */
export interface PoolAttrs {
  readonly kernel: Pair
  readonly strides: Pair
  readonly pad: Pad4
  readonly layout: Layout
}
export interface ReduceAttrs {
  readonly axes: readonly number[]
  readonly keepDims: boolean
}
type None = Readonly<Record<never, never>>

/** Attributes of each op. The keys of this interface are the ops. */
export interface OpAttrs {
  // leaves
  /** A named graph input (data). */
  input: { readonly name: string; readonly dtype: DType }
  /**
   * A named parameter, with the initializer `init` uses. `trainable: false` marks a buffer (model state
   * that is not differentiated nor touched by the optimizer, e.g. batch norm's running statistics);
   * absent means trainable.
   */
  param: { readonly name: string; readonly init: Initializer; readonly fanIn: number; readonly fanOut: number; readonly trainable?: false }
  /** A tensor filled with one value. */
  fill: { readonly value: number }
  // elementwise unary
  neg: None
  exp: None
  log: None
  sqrt: None
  square: None
  sigmoid: None
  relu: None
  tanh: None
  // elementwise binary, numpy broadcasting
  add: None
  sub: None
  mul: None
  div: None
  /** 1 where a > b else 0 (no gradient). */
  greater: None
  // linear algebra and images
  /** [M,K] x [K,N] -> [M,N] (operands transposed first when asked). */
  matMul: { readonly transposeA: boolean; readonly transposeB: boolean }
  conv2d: ConvAttrs
  avgPool2d: PoolAttrs
  maxPool2d: PoolAttrs
  // structure
  reshape: { readonly shape: RShape }
  transpose: { readonly perm: readonly number[] }
  // reductions
  sum: ReduceAttrs
  mean: ReduceAttrs
  max: ReduceAttrs
  // nn
  softmax: { readonly axis: number }
  logSoftmax: { readonly axis: number }
  /** Mean softmax cross-entropy of logits [B,C] against int labels [B]: a scalar []. */
  softmaxCrossEntropy: None
  /** How many rows of logits [B,C] have their (first) maximum at the int label [B]: a float32 scalar [] (no gradient). */
  correctCount: None
  /**
   * How many elements of x are invalid: a float32 scalar [] (no gradient). 'nonFinite': NaN or ±Infinity;
   * 'classRange': not a class label in 0..classes-1. Training steps output these counts beside their metrics,
   * so bad batches are found with the metrics' one read, not by a host check per batch.
   */
  invalidCount: { readonly check: 'nonFinite' } | { readonly check: 'classRange'; readonly classes: number }
  /**
   * Inverted dropout (training form; `inferenceForm` removes it). The mask is a pure function of the
   * call's key (a training step passes `foldIn(runKey, step)`) and the layer's `stream` (its place in the
   * model): element i of an n-element input is kept, scaled by 1 / (1 - rate), when
   * uniform(foldIn(key, stream), n)[i] >= rate (`dropoutScale` in src/compile/interpret). So every step
   * draws a fresh mask, a node and its gradient (dropout of dy) share it, and a rerun reproduces it.
   * Identity when rate is 0.
   */
  dropout: { readonly rate: number; readonly stream: string }
  /**
   * Training-mode batch normalization over all axes but `axis`: inputs (x, gamma, beta) or
   * (x, gamma, beta, runningMean, runningVar). The output always uses the batch's statistics (biased
   * variance); the running inputs only tie the layer's buffers to the node, so a training step can emit
   * their update `(1 - momentum) * running + momentum * batch` (unbiased variance, as PyTorch) and
   * evaluation can swap the node for `batchNormInfer` over them. They get no gradient.
   */
  batchNorm: { readonly axis: number; readonly eps: number; readonly momentum?: number }
  /** Inference-mode batch normalization with given statistics: inputs (x, gamma, beta, mean, var), each [C] but x. */
  batchNormInfer: { readonly axis: number; readonly eps: number }
  /**
   * A per-channel statistic of x over all axes but `axis`: [C]. 'mean', or 'unbiasedVar' (divides by
   * count - 1, as PyTorch's running variance; 0 for a single element). No gradient.
   */
  channelStat: { readonly axis: number; readonly stat: 'mean' | 'unbiasedVar' }
  // gradient primitives, emitted by autodiff and lowered per backend
  /** dL/dfilter of conv2d(x, filter): inputs (x, dy). */
  conv2dFilterGrad: ConvAttrs & { readonly filterShape: RShape }
  /** dL/dx of conv2d(x, filter): inputs (dy, filter). */
  conv2dInputGrad: ConvAttrs & { readonly inputShape: RShape }
  /** dL/dx of avgPool2d: inputs (dy). */
  avgPool2dGrad: PoolAttrs & { readonly inputShape: RShape }
  /** dL/dx of maxPool2d: inputs (dy, x, y). */
  maxPool2dGrad: PoolAttrs
  /** dy * y * (1 - y) from the saved output y: inputs (y, dy). */
  sigmoidGrad: None
  /** dy where y > 0: inputs (y, dy). */
  reluGrad: None
  /** dy * (1 - y^2): inputs (y, dy). */
  tanhGrad: None
  /** d(mean CE)/dlogits = (softmax(logits) - onehot(labels)) * g / B: inputs (logits, labels, g). */
  softmaxCrossEntropyGrad: None
  /** Gradients of batchNorm w.r.t. (x, gamma, beta), stacked by `which`: inputs (x, gamma, dy). */
  batchNormGrad: { readonly axis: number; readonly eps: number; readonly which: 'x' | 'gamma' | 'beta' }
  /** Broadcast to `shape` (adjoint of a broadcasting binary op's reduction). */
  broadcastTo: { readonly shape: RShape }
  // fused kernels, introduced by the fusion pass
  /** activation(conv2d(x, filter) + bias): inputs (x, filter, bias?). */
  fusedConv2d: ConvAttrs & { readonly activation: Activation }
  /** activation(matMul(a, b) + bias): inputs (a, b, bias?). */
  fusedMatMul: { readonly transposeA: boolean; readonly transposeB: boolean; readonly activation: Activation }
}

/** Every primitive op name. */
export type Op = keyof OpAttrs

/** Element types of IR values. */
export type DType = 'float32' | 'int32'

/** The elementwise unary ops (shape and dtype preserved). */
export const unaryOps = ['neg', 'exp', 'log', 'sqrt', 'square', 'sigmoid', 'relu', 'tanh'] as const
export type UnaryOp = (typeof unaryOps)[number]

/** The broadcasting binary ops. */
export const binaryOps = ['add', 'sub', 'mul', 'div', 'greater'] as const
export type BinaryOp = (typeof binaryOps)[number]
