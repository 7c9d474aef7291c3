/**
 * Functional ops on expressions (like torch.nn.functional): typed shape in, typed shape out.
 * Each builds IR nodes and checks shapes at run time with the same texts as the types.
 */
import type { Broadcast, CrossEntropyOut } from '../types/rules/misc.js'
import type { Apply } from '../types/fn.js'
import type { AxisFn } from '../types/rules/misc.js'
import type { ReduceOut } from '../types/rules/reduce.js'
import type { DropoutRate } from '../types/rules/dropout.js'
import type { LayerNormBeta, LayerNormOut } from '../types/rules/reduce.js'
import { layerNormNode } from './layers/layerNorm.js'
import type { AnyShapeErr, Shape } from '../types/shape.js'
import { type Expr, expr } from './expr.js'
import { mk } from './node.js'
import type { BinaryOp, DType, UnaryOp } from './ops.js'

/** An expression, or the type-level error text when the shapes do not fit. */
export type Result<S, D extends DType = 'float32'> = S extends infer T extends Shape ? Expr<T, D> : S extends AnyShapeErr ? S : never

/** The parameter type of an operand: itself, or the error text when the result's shape is an error. */
export type Checked<R, P> = R extends AnyShapeErr ? R : P

/** A float operand, or a shape error reported earlier (which the op passes on instead of reporting again). */
type Operand = Expr<Shape, 'float32'> | AnyShapeErr
/** The second operand of a broadcasting op: itself, or the broadcast's error text (an error operand passes). */
type BinArg<X, Y, Op extends string> =
  X extends Expr<infer A, 'float32'> ? ([Y] extends [Expr<infer B, 'float32'>] ? Checked<Broadcast<A, B, Op>, Y> : Y) : Y
/** The result of a broadcasting op: the broadcast shape's expression, or the first operand's error. */
type BinOut<X, Y, Op extends string> =
  X extends Expr<infer A, 'float32'> ? ([Y] extends [Expr<infer B, 'float32'>] ? Result<Broadcast<A, B, Op>> : Y) : X

const un =
  (op: UnaryOp) =>
  <X extends Operand>(x: X): X =>
    expr(mk(op, [(x as Expr).node], {})) as X
const bin =
  <Op extends BinaryOp>(op: Op) =>
  <X extends Operand, Y extends Operand>(a: X, b: BinArg<X, Y, Op>): BinOut<X, Y, Op> =>
    expr(mk(op, [(a as Expr).node, (b as Expr).node], {})) as never

/** Elementwise ops: S -> S. @example sigmoid(x) */
export const sigmoid = un('sigmoid')
/** @example relu(x) */
export const relu = un('relu')
/** @example tanh(x) */
export const tanh = un('tanh')
/** @example exp(x) */
export const exp = un('exp')
/** @example log(x) */
export const log = un('log')
/** @example neg(x) */
export const neg = un('neg')
/** @example sqrt(x) */
export const sqrt = un('sqrt')
/** @example square(x) */
export const square = un('square')
/** x * Phi(x), PyTorch's exact GELU: S -> S. @example gelu(x) */
export const gelu = un('gelu')

/** Broadcasting binary ops: (A, B) -> broadcast(A, B); a non-broadcastable pair is a type error. @example add(x, b) */
export const add = bin('add')
/** @example sub(x, y) */
export const sub = bin('sub')
/** @example mul(x, y) */
export const mul = bin('mul')
/** @example div(x, y) */
export const div = bin('div')

/**
 * Mean softmax cross-entropy of logits [N, C] against int32 class labels [N]: a scalar [].
 *
 * @example
 * const loss = crossEntropy(lenet(x), intInput('y', ['N'])) // Expr<readonly []>
 */
export const crossEntropy = <L extends Shape, Y extends Shape>(
  logits: Expr<L, 'float32'>,
  labels: Checked<CrossEntropyOut<L, Y>, Expr<Y, 'int32'>>,
): Result<CrossEntropyOut<L, Y>> => expr(mk('softmaxCrossEntropy', [logits.node, (labels as Expr<Y, 'int32'>).node], {})) as never

/** The result of a reduction of X: the reduced shape's expression, or X's (or the axes') error. */
type ReduceResult<X, A extends readonly number[] | undefined, K extends boolean, Op extends string> =
  X extends Expr<infer S, 'float32'> ? Result<ReduceOut<S, A, K, Op>> : X
/** The axes argument of a reduction: itself, or the error text when an axis is out of range. */
type AxesArg<X, A extends readonly number[] | undefined, K extends boolean, Op extends string> =
  X extends Expr<infer S, 'float32'> ? Checked<ReduceOut<S, A, K, Op>, A> : A

const reduction =
  <Op extends 'sum' | 'mean' | 'max'>(op: Op) =>
  <X extends Operand, const A extends readonly number[] | undefined = undefined, K extends boolean = false>(
    x: X,
    axes?: AxesArg<X, A, K, Op>,
    keepDims?: K,
  ): ReduceResult<X, A, K, Op> => {
    const e = x as Expr
    const ax = (axes as readonly number[] | undefined) ?? e.shape.map((_, i) => i)
    return expr(mk(op, [e.node], { axes: [...ax], keepDims: keepDims ?? false })) as never
  }

/**
 * Sum over `axes` (negative axes count from the end; none given: every axis), dropping them, or keeping
 * them as size-1 dims with `keepDims` (jnp.sum / torch.sum): the shape is computed in the types, and an
 * axis out of range is the ShapeError at `axes`.
 *
 * @example
 * sum(x)              // ['N', 10] -> []
 * sum(x, [-1])        // ['N', 10] -> ['N']
 * sum(x, [0], true)   // ['N', 10] -> [1, 10]
 */
export const sum = reduction('sum')

/**
 * Mean over `axes` (as `sum`; none given: every axis). mean * count = sum.
 * @example mean(x, [1]) // ['N', 10] -> ['N']
 */
export const mean = reduction('mean')

/**
 * Max over `axes` (as `sum`; none given: every axis). Gradient on ties: every element equal to the max
 * gets the full output gradient (tfjs's rule, and the reference interpreter's), not a share of it.
 * @example max(x, [-1], true) // ['N', 10] -> ['N', 1]
 */
export const max = reduction('max')

/** The result of softmax / logSoftmax along axis A: X's expression, or the out-of-range axis's error. */
type AxisResult<X, A extends number, Op extends string> = X extends Expr<infer S, 'float32'> ? Result<Apply<AxisFn<Op, A>, S>> : X
/** The axis argument: itself, or the error text when it is out of range. */
type AxisArg<X, A extends number, Op extends string> = X extends Expr<infer S, 'float32'> ? Checked<Apply<AxisFn<Op, A>, S>, A> : A

const alongAxis =
  <Op extends 'softmax' | 'logSoftmax'>(op: Op) =>
  <X extends Operand, const A extends number = -1>(x: X, axis?: AxisArg<X, A, Op>): AxisResult<X, A, Op> =>
    expr(mk(op, [(x as Expr).node], { axis: (axis as number | undefined) ?? -1 })) as never

/**
 * softmax along `axis` (default -1, negative counting from the end): S -> S, summing to 1 on the axis
 * (jax.nn.softmax / torch.nn.functional.softmax); an axis out of range is the ShapeError at `axis`.
 * @example softmax(logits) // ['N', 10] -> ['N', 10]
 */
export const softmax = alongAxis('softmax')

/**
 * log(softmax(x)) along `axis` (default -1), computed stably: S -> S.
 * @example logSoftmax(logits, 1)
 */
export const logSoftmax = alongAxis('logSoftmax')

/**
 * Inverted dropout (jax / torch.nn.functional.dropout in training form): S -> S, each element kept with
 * probability 1 - rate and scaled by 1 / (1 - rate), or zeroed. The mask is a pure function of the call's
 * random key (a training step passes a fresh one) and `stream`, an explicit name that tells this dropout's
 * mask from the others' (a dropout layer takes its place in the model instead): give each F.dropout in a
 * model its own stream, or two of them draw the same mask. Inference and the ONNX export run the identity.
 * A literal rate outside [0, 1) is the ShapeError at `rate`.
 * @example dropout(h, 0.1, 'attn') // ['N', 16, 64] -> ['N', 16, 64]
 */
export const dropout = <X extends Operand, const R extends number>(x: X, rate: Checked<DropoutRate<R>, R>, stream: string): X =>
  expr(mk('dropout', [(x as Expr).node], { rate: rate as number, stream })) as X

/**
 * Layer normalization (torch.nn.functional.layer_norm with weight and bias): over the trailing dims that
 * gamma's shape G names (PyTorch's normalized_shape: the last G.length dims), (x - mean) / sqrt(var + eps)
 * * gamma + beta with the biased variance; eps defaults to 1e-5. X must end with G (the ShapeError at
 * `gamma`) and beta must be G (the ShapeError at `beta`). A composition of existing ops (see
 * src/dsl/layers/layerNorm.ts).
 * @example layerNorm(h, gamma, beta) // ['N', 16, 64] with gamma, beta [64]
 */
export const layerNorm = <X extends Operand, G extends Shape, B extends Shape>(
  x: X,
  gamma: X extends Expr<infer S, 'float32'> ? Checked<LayerNormOut<S, G>, Expr<G, 'float32'>> : Expr<G, 'float32'>,
  beta: Checked<LayerNormBeta<G, B>, Expr<B, 'float32'>>,
  opts: { readonly eps?: number } = {},
): X extends Expr<infer S, 'float32'> ? Result<LayerNormOut<S, G>> : X =>
  expr(layerNormNode((x as Expr).node, (gamma as Expr).node, (beta as Expr).node, opts.eps ?? 1e-5)) as never
