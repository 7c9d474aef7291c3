/**
 * Shared pieces of the lowering: what a lowering is, what it may ask of the compiled program (bound
 * dims, cached constants, the backend), and the layout/padding/activation helpers the op families share.
 */
import * as tf from '@tensorflow/tfjs-core'
import type { Node } from '../../dsl/node.js'
import type { Activation, Layout, Op, OpAttrs, Pad4 } from '../../dsl/ops.js'
import type { Key } from '../../dsl/random.js'
import type { RShape } from '../../dsl/shape.js'

/** Options of the lowering: which tfjs backend the function will run on (`tf.getBackend()`). */
export interface LowerOptions {
  /** 'wasm', 'cpu', 'webgpu', 'tensorflow', ... — picks the kernels of backend-specific ops. */
  readonly backend: string
}

/** What a lowering may ask of the running program besides its input values. */
export interface LowerContext {
  readonly node: Node
  readonly backend: string
  /** A shape with every symbolic dim replaced by its bound size (-1 stays -1). */
  bind(shape: RShape): number[]
  /**
   * A tensor computed once per `key` (and per binding of the symbolic dims) and kept across calls, for
   * constants: fills, pooling window counts. `make` runs outside the call's tidy scope.
   */
  constant(key: string, make: () => tf.Tensor): tf.Tensor
  /** The tensor fed for a leaf (`input` / `param`). */
  leaf(node: Node<'input'> | Node<'param'>): tf.Tensor
  /** The call's random key (dropout draws its masks from it); throws when the call was given none. */
  key(): Key
  /**
   * A tensor computed once per call for `key` (freed with the call's other temporaries): values several
   * nodes of one call share, such as a dropout mask and its gradient's.
   */
  perCall(key: string, make: () => tf.Tensor): tf.Tensor
}

/** Computes one op from its input values with tfjs ops (any temporaries are freed by the caller's tidy). */
export type Lowering<O extends Op> = (xs: readonly tf.Tensor[], attrs: OpAttrs[O], ctx: LowerContext) => tf.Tensor

/** Whether `backend` is tfjs-backend-wasm (XNNPACK), which gets the forward-conv gradient kernels. */
export const isWasm = (backend: string): boolean => backend === 'wasm'

/**
 * Whether conv gradients should run as forward convs (src/compile/kernels): on wasm, whose
 * Conv2DBackpropFilter is missing and whose Conv2DBackpropInput is 5-10x slower than XNNPACK's forward
 * conv, and on cpu, whose backprop kernels are naive loops (~50x slower than its forward conv on LeNet).
 * tfjs-node and webgpu keep their native backprop kernels.
 */
export const convGradsAsForwardConvs = (backend: string): boolean => backend === 'wasm' || backend === 'cpu'

/**
 * The activations each backend runs inside tf.fused.conv2d / tf.fused.matMul. None of them fuses tanh;
 * an unknown backend gets the conservative bias-only set.
 */
export const fusedActivations = (backend: string): readonly Activation[] =>
  ['wasm', 'cpu', 'webgl', 'webgpu', 'tensorflow'].includes(backend) ? ['linear', 'relu', 'sigmoid'] : ['linear']

/** The activations tfjs's fused kernels know (tanh is not one of them). */
export type FusableActivation = Exclude<Activation, 'tanh'>

/** Whether `backend` runs `a` inside its fused conv/matMul kernels. */
export const runsFused = (backend: string, a: Activation): a is FusableActivation => fusedActivations(backend).includes(a)

/** The activation as plain tfjs ops. */
export const activate = (x: tf.Tensor, a: Activation): tf.Tensor =>
  a === 'relu' ? tf.relu(x) : a === 'sigmoid' ? tf.sigmoid(x) : a === 'tanh' ? tf.tanh(x) : x

/** An image tensor in NHWC, whatever `layout` it is in (the layout pass makes this the identity). */
export const toNhwc = (x: tf.Tensor, layout: Layout): tf.Tensor4D =>
  (layout === 'NCHW' ? tf.transpose(x, [0, 2, 3, 1]) : x) as tf.Tensor4D
/** An NHWC image tensor back in `layout`. */
export const fromNhwc = (x: tf.Tensor, layout: Layout): tf.Tensor4D => (layout === 'NCHW' ? tf.transpose(x, [0, 3, 1, 2]) : x) as tf.Tensor4D
/** A filter in HWIO (tfjs's layout) from OIHW (NCHW layout) or HWIO (NHWC layout). */
export const toHwio = (f: tf.Tensor, layout: Layout): tf.Tensor4D => (layout === 'NCHW' ? tf.transpose(f, [2, 3, 1, 0]) : f) as tf.Tensor4D
/** An HWIO filter back in the filter layout of `layout`. */
export const fromHwio = (f: tf.Tensor, layout: Layout): tf.Tensor4D => (layout === 'NCHW' ? tf.transpose(f, [3, 2, 0, 1]) : f) as tf.Tensor4D
/** An image shape as NHWC. */
export const nhwcShape = (s: readonly number[], layout: Layout): [number, number, number, number] =>
  (layout === 'NCHW' ? [s[0]!, s[2]!, s[3]!, s[1]!] : [...s]) as [number, number, number, number]
/** A filter shape as HWIO. */
export const hwioShape = (s: readonly number[], layout: Layout): [number, number, number, number] =>
  (layout === 'NCHW' ? [s[2]!, s[3]!, s[1]!, s[0]!] : [...s]) as [number, number, number, number]

/** tfjs's explicit padding for `[top, bottom, left, right]`, or 'valid' when there is none (cheaper). */
export const tfPad = (p: Pad4): 'valid' | tf.backend_util.ExplicitPadding =>
  p.every((v) => v === 0) ? 'valid' : [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]]

/** Whether a pad has no padding at all. */
export const unpadded = (p: Pad4): boolean => p.every((v) => v === 0)

/** Normalizes possibly negative axes. */
export const axesOf = (axes: readonly number[], rank: number): number[] => axes.map((a) => (a < 0 ? a + rank : a))
