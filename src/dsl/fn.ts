/**
 * Functional ops on expressions (like torch.nn.functional): typed shape in, typed shape out.
 * Each builds IR nodes and checks shapes at run time with the same texts as the types.
 */
import type { ArgmaxOut } from '../types/rules/argmax.js'
import type { ReshapeOut } from '../types/rules/reshape.js'
import type { MatmulOut } from '../types/rules/matmul.js'
import type { AxisFn, Broadcast, CrossEntropyOut } from '../types/rules/misc.js'
import type { EmbeddingOut } from '../types/rules/embedding.js'
import type { TransposeOut } from '../types/rules/transpose.js'
import * as E from 'fp-ts/lib/Either.js'
import { splitSlices } from '../ops/slice.js'
import type { ConcatShapes } from '../types/rules/concat.js'
import type { PadOut } from '../types/rules/pad.js'
import type { SliceOut, SplitOut } from '../types/rules/slice.js'
import type { Apply } from '../types/fn.js'
import type { ReduceOut } from '../types/rules/reduce.js'
import type { DropoutRate } from '../types/rules/dropout.js'
import type { LayerNormBeta, LayerNormOut } from '../types/rules/reduce.js'
import { layerNormNode } from './layers/layerNorm.js'
import type { AnyShapeErr, Shape } from '../types/shape.js'
import { type Expr, expr } from './expr.js'
import { mk } from './node.js'
import type { BinaryOp, DType, UnaryOp } from './ops.js'
import type { ShapeError } from './shape.js'

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

/**
 * Rows of a float table [V, D] at int32 indices [...I]: [...I, D] (torch.nn.functional.embedding); an index
 * outside 0..V-1 reads the nearest row (clamped, on every backend). A table that is not 2-D is a type error.
 *
 * @example
 * const e = embedding(table, intInput('tokens', ['N', 8])) // table [10, 32] -> Expr<readonly ['N', 8, 32]>
 */
export const embedding = <T extends Shape, I extends Shape>(
  table: Checked<EmbeddingOut<T, I>, Expr<T, 'float32'>>,
  indices: Expr<I, 'int32'>,
): Result<EmbeddingOut<T, I>> => expr(mk('embedding', [(table as Expr<T>).node, indices.node], {})) as never

/**
 * Matrix product with broadcasting batch dims (numpy's / torch's matmul): [..., M, K] x [..., K, N] ->
 * [broadcast(...), M, N]; operands of rank 2 or more.
 *
 * @example
 * const scores = matmul(q, k) // ['N', 8, 16, 64] x ['N', 8, 64, 16] -> ['N', 8, 16, 16]
 */
export const matmul = <A extends Shape, B extends Shape>(
  a: Expr<A, 'float32'>,
  b: Checked<MatmulOut<A, B>, Expr<B, 'float32'>>,
): Result<MatmulOut<A, B>> => expr(mk('batchMatMul', [a.node, (b as Expr<B, 'float32'>).node], {})) as never

/**
 * The axes permuted (jnp.transpose / torch.permute): axis i of the result is axis perm[i] of x.
 *
 * @example
 * const nhwc = transpose(x, [0, 2, 3, 1]) // ['N', 3, 32, 32] -> ['N', 32, 32, 3]
 */
export const transpose = <S extends Shape, const P extends readonly number[]>(x: Expr<S, 'float32'>, perm: Checked<TransposeOut<S, P>, P>): Result<TransposeOut<S, P>> =>
  expr(mk('transpose', [x.node], { perm: perm as P })) as never

/**
 * The same elements in another shape (jnp.reshape / torch.reshape); one -1 in `shape` is inferred, in
 * the types too (symbolic dims cancel: ['N', 4, 8] to ['N', -1] is ['N', 32]).
 *
 * @example
 * const flat = reshape(x, ['N', -1]) // ['N', 16, 5, 5] -> ['N', 400]
 */
export const reshape = <S extends Shape, const T extends Shape>(x: Expr<S, 'float32'>, shape: Checked<ReshapeOut<S, T>, T>): Result<ReshapeOut<S, T>> =>
  expr(mk('reshape', [x.node], { shape: shape as T })) as never

/**
 * The int32 index of the largest element along `axis` (negative counts from the end), which the result
 * drops (jnp.argmax / torch.argmax); the first among ties; no gradient.
 *
 * @example
 * const predicted = argmax(logits, -1) // ['N', 10] -> ['N'], int32
 */
export const argmax = <S extends Shape, const A extends number>(x: Expr<S, 'float32'>, axis: Checked<ArgmaxOut<S, A>, A>): Result<ArgmaxOut<S, A>, 'int32'> =>
  expr(mk('argMax', [x.node], { axis: axis as A })) as never
/** The shapes of a list of expressions. */
type ShapesOfExprs<Xs extends readonly unknown[]> = { readonly [K in keyof Xs]: Xs[K] extends Expr<infer S, 'float32'> ? S : Xs[K] }

/**
 * Joins expressions along `axis` (jax.numpy.concatenate): they agree on every other axis, the joined
 * size is the sum of theirs; a list that does not fit is the error text at `xs`.
 * @example concat([input('a', ['N', 3]), input('b', ['N', 4])], 1) // Expr<['N', 7]>
 */
export const concat = <const Xs extends readonly Expr<Shape, 'float32'>[], const A extends number>(
  xs: Checked<ConcatShapes<ShapesOfExprs<Xs>, A>, Xs>,
  axis: A,
): Result<ConcatShapes<ShapesOfExprs<Xs>, A>> => expr(mk('concat', (xs as Xs).map((x) => x.node), { axis })) as never

/**
 * The box of x at `begin` with `size` elements per axis (-1: the rest of the axis), as jax.lax.slice
 * with sizes; a box that does not fit is the error text at `size`.
 * @example slice(input('x', ['N', 10]), [0, 2], [-1, 3]) // Expr<['N', 3]>
 */
export const slice = <S extends Shape, const B extends readonly number[], const Z extends readonly number[]>(
  x: Expr<S, 'float32'>,
  begin: B,
  size: Checked<SliceOut<S, B, Z>, Z>,
): Result<SliceOut<S, B, Z>> => expr(mk('slice', [x.node], { begin, size: size as Z })) as never

/** The expressions of a tuple of shapes. */
type ExprsOf<Ss> = Ss extends AnyShapeErr ? Ss : { readonly [K in keyof Ss]: Ss[K] extends infer T extends Shape ? Expr<T, 'float32'> : never }

/**
 * x cut along `axis` into parts of `sizes` (torch.split with a list; they sum to the axis size), one
 * `slice` each; sizes that do not fit are the error text at `sizes`.
 * @example const [a, b] = split(input('x', ['N', 10]), [3, 7], 1) // Expr<['N', 3]>, Expr<['N', 7]>
 */
export const split = <S extends Shape, const Z extends readonly number[], const A extends number>(
  x: Expr<S, 'float32'>,
  sizes: Checked<SplitOut<S, Z, A>, Z>,
  axis: A,
): ExprsOf<SplitOut<S, Z, A>> => {
  const parts = E.getOrElseW((e: ShapeError): never => {
    throw e
  })(splitSlices(x.shape, sizes as Z, axis))
  return parts.map((a) => expr(mk('slice', [x.node], a))) as never
}

/**
 * x padded with `value` by `paddings[i] = [before, after]` on each axis (jax.numpy.pad, constant mode);
 * paddings that do not fit are the error text at `paddings`.
 * @example pad(input('x', ['N', 3]), [[0, 0], [1, 2]]) // Expr<['N', 6]>
 */
export const pad = <S extends Shape, const P extends readonly (readonly [number, number])[]>(
  x: Expr<S, 'float32'>,
  paddings: Checked<PadOut<S, P>, P>,
  value = 0,
): Result<PadOut<S, P>> => expr(mk('pad', [x.node], { paddings: paddings as P, value })) as never
