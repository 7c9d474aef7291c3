/**
 * What a lowering (each op module's `lower`) is: one op computed with tfjs ops inside the compiled
 * function, plus what it may ask of the running program (bound dims, kept constants, the call's key).
 *
 * Backend-specific kernels are named, not asked for: an op's `lower` is either one lowering for every
 * backend, or a table `{ default, wasm?, cpu?, ... }` whose entry for the backend being compiled for is
 * picked once, when the graph is lowered (`loweringFor`). So no lowering branches on the backend's name.
 */
import type * as tf from '@tensorflow/tfjs-core'
import type { Node } from '../../ir/node.js'
import type { Op, OpAttrs } from '../../ir/ops.js'
import type { Key } from '../../ir/random.js'
import type { RShape } from '../../ir/shape.js'
import type { Activation } from './attrs.js'

/** Options of the lowering: which tfjs backend the function will run on (`tf.getBackend()`). @example { backend: 'wasm' } */
export interface LowerOptions {
  /** 'wasm', 'cpu', 'webgpu', 'tensorflow', ... — picks each op's kernels for that backend. */
  readonly backend: string
}

/** What a lowering may ask of the running program besides its input values. @example ctx.constant('ones', () => tf.ones([4])) */
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

/**
 * Computes one op from its input values with tfjs ops (any temporaries are freed by the caller's tidy).
 * @example const lowerRelu: Lowering<'relu'> = ([x]) => tf.relu(x!)
 */
export type Lowering<O extends Op> = (xs: readonly tf.Tensor[], attrs: OpAttrs[O], ctx: LowerContext) => tf.Tensor

/** The tfjs backends an op may name a kernel for. @example const b: BackendName = 'wasm' */
export type BackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu' | 'tensorflow'

/**
 * An op's lowering per backend: `default` everywhere a backend has no entry of its own.
 * @example { default: ([y, dy]) => tf.mul(dy!, tf.step(y!)), wasm: ([y, dy]) => reluGradHeap(y!, dy!) }
 */
export type LowerTable<O extends Op> = { readonly default: Lowering<O> } & { readonly [B in BackendName]?: Lowering<O> }

/**
 * The lowering of an op on `backend`: its own entry, or the default.
 * @example loweringFor(ops.reluGrad.lower, 'wasm') // the heap kernel's lowering
 */
export const loweringFor = <O extends Op>(lower: Lowering<O> | LowerTable<O>, backend: string): Lowering<O> =>
  typeof lower === 'function' ? lower : ((lower as Partial<Record<string, Lowering<O>>>)[backend] ?? lower.default)

/** The same lowering on each of `backends` (a part of a `LowerTable`). @example { default: f, ...onBackends(['wasm', 'cpu'], g) } */
export const onBackends = <O extends Op>(backends: readonly BackendName[], lowering: Lowering<O>): { readonly [B in BackendName]?: Lowering<O> } =>
  Object.fromEntries(backends.map((b) => [b, lowering]))

/** The backends whose tf.fused.conv2d / tf.fused.matMul run relu and sigmoid (none of them fuses tanh). @example onBackends(fusingBackends, f) */
export const fusingBackends: readonly BackendName[] = ['wasm', 'cpu', 'webgl', 'webgpu', 'tensorflow']

/**
 * The activations those backends' fused kernels run (tfjs-backend-wasm 4.22's FusableActivation minus the
 * ones we have no op for; tanh is not a tfjs fused activation on any backend).
 * @example fusedKernelActivations.includes('relu') // true
 */
export const fusedKernelActivations: readonly Activation[] = ['linear', 'relu', 'sigmoid']

/**
 * The activations each backend runs inside tf.fused.conv2d / tf.fused.matMul; an unknown backend gets the
 * conservative bias-only set.
 *
 * @example fusedActivations('wasm') // ['linear', 'relu', 'sigmoid']
 */
export const fusedActivations = (backend: string): readonly Activation[] =>
  (fusingBackends as readonly string[]).includes(backend) ? fusedKernelActivations : ['linear']

/** The activations tfjs's fused kernels know (tanh is not one of them). @example const a: FusableActivation = 'relu' */
export type FusableActivation = Exclude<Activation, 'tanh'>
