/**
 * Functional ops on expressions (like torch.nn.functional): typed shape in, typed shape out.
 * Each builds IR nodes and checks shapes at run time with the same texts as the types.
 */
import type { Broadcast, CrossEntropyOut } from '../types/rules/misc.js'
import type { EmbeddingOut } from '../types/rules/embedding.js'
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

/**
 * Sum over all elements: S -> [].
 * @example sum(x)
 */
export const sum = <X extends Operand>(x: X): X extends AnyShapeErr ? X : Expr<readonly [], 'float32'> =>
  expr(mk('sum', [(x as Expr).node], { axes: (x as Expr).shape.map((_, i) => i), keepDims: false })) as never

/**
 * Mean over all elements: S -> [].
 * @example mean(x)
 */
export const mean = <X extends Operand>(x: X): X extends AnyShapeErr ? X : Expr<readonly [], 'float32'> =>
  expr(mk('mean', [(x as Expr).node], { axes: (x as Expr).shape.map((_, i) => i), keepDims: false })) as never

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
