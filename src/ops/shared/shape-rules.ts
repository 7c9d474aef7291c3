/**
 * Building blocks of the runtime shape rules (each op module's `shape`): results, arity checks,
 * broadcasting and sliding-window sizes. The texts match the type-level rules of src/types.
 */
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Node, RuleResult, ShapeRule } from '../../ir/node.js'
import type { DType, Op } from '../../ir/ops.js'
import { type Dim, type RShape, ShapeError, fail, isKnown, showShape } from '../../ir/shape.js'

export type { RuleResult } from '../../ir/node.js'
export { ShapeError }

/** A successful rule result. @example ok(['N', 10]) // Right({ shape: ['N', 10], dtype: 'float32' }) */
export const ok = (shape: RShape, dtype: DType = 'float32'): RuleResult => E.right({ shape, dtype })

/** A failed rule result naming the op. @example shapeError('conv2d', 'conv2d expects ...', x) */
export const shapeError = (op: string, detail: string, ...shapes: RShape[]): RuleResult => fail(op, detail, ...shapes)

/** The inputs, when there are `n` of them (or one of the counts `n` lists). @example arity('add', ins, 2) */
export const arity = (op: string, inputs: readonly Node[], n: number | readonly number[]): E.Either<ShapeError, readonly Node[]> => {
  const allowed = typeof n === 'number' ? [n] : n
  return allowed.includes(inputs.length)
    ? E.right(inputs)
    : E.left(new ShapeError(op, `${op} takes ${allowed.join(' or ')} inputs but got ${inputs.length}`))
}

/** Requires an exact rank; the message names the op and the shape it got. @example needRank('conv2d', x, 4, '[N, C, H, W]') */
export const needRank = (op: string, s: RShape, rank: number, what: string): E.Either<ShapeError, RShape> =>
  s.length === rank ? E.right(s) : fail(op, `${op} expects a ${rank}-D input ${what} but got ${showShape(s)}`, s)

/** The rule of a leaf (input, param, fill): the shape is given, not inferred. @example shape: leafShape('input') */
export const leafShape =
  (op: string): ShapeRule<Op> =>
  (inputs, _a, shape, dtype) =>
    inputs.length === 0 && shape ? ok(shape, dtype ?? 'float32') : shapeError(op, `${op} is a leaf and needs a shape`)

/** One input, kept as it is (elementwise unary ops). @example shape: sameAsInput */
export const sameAsInput: ShapeRule<Op> = (inputs) => pipe(arity('unary', inputs, 1), E.chain(([x]) => ok(x!.shape, x!.dtype)))

/** The dim a pair of broadcast dims becomes, or undefined when they do not broadcast. @example broadcastDim(1, 'N') // 'N' */
export const broadcastDim = (a: Dim, b: Dim): Dim | undefined =>
  a === b ? a : a === 1 ? b : b === 1 ? a : !isKnown(a) || !isKnown(b) ? (isKnown(a) ? b : a) : undefined

/** numpy-style broadcast of two shapes. @example broadcastShapes('add', ['N', 10], [10]) // Right(['N', 10]) */
export const broadcastShapes = (op: string, a: RShape, b: RShape): E.Either<ShapeError, RShape> => {
  const rank = Math.max(a.length, b.length)
  const out: Dim[] = []
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1
    const db = b[b.length - rank + i] ?? 1
    const d = broadcastDim(da, db)
    if (d === undefined) return fail(op, `${op} cannot broadcast ${showShape(a)} with ${showShape(b)}`, a, b)
    out.push(d)
  }
  return E.right(out)
}

/** Two inputs broadcast together, float32 result (binary ops and the activation gradients). @example shape: broadcastBoth('add') */
export const broadcastBoth =
  (op: string): ShapeRule<Op> =>
  (inputs) =>
    pipe(
      arity(op, inputs, 2),
      E.chain(([a, b]) => broadcastShapes(op, a!.shape, b!.shape)),
      E.chain((s) => ok(s)),
    )

/**
 * Output size of a sliding window along one axis: floor((size + padTotal - dilation*(kernel-1) - 1) / stride) + 1.
 * The one formula every window op (shape rules, references, lowerings, kernels) uses.
 *
 * @example windowSize(28, 4, 5, 1, 1) // 28
 */
export const windowSize = (size: number, padTotal: number, kernel: number, stride: number, dilation = 1): number =>
  Math.floor((size + padTotal - dilation * (kernel - 1) - 1) / stride) + 1

/**
 * `windowSize` in a shape rule: checks the window fits the padded input; symbolic sizes stay symbolic (the
 * check runs when the graph is bound).
 *
 * @example windowOut('avgPool2d', 'window', 28, 2, 2, 0, 1) // Right(14)
 */
export const windowOut = (op: string, what: string, size: Dim, kernel: number, stride: number, padTotal: number, dilation: number): E.Either<ShapeError, Dim> => {
  if (!isKnown(size)) return E.right(`${op}(${size})`)
  const span = dilation * (kernel - 1) + 1
  const padded = size + padTotal
  if (span > padded) return fail(op, `${op} ${what} ${span} is larger than the padded input ${padded}`)
  return E.right(windowSize(size, padTotal, kernel, stride, dilation))
}

/**
 * A gradient op returns the shape of the forward operand it differentiates; checks the gradient's shape
 * against the forward op's output.
 *
 * @example gradShape('avgPool2dGrad', a.inputShape, dy.shape, poolShape('avgPool2d', a.inputShape, a))
 */
export const gradShape = (op: string, target: RShape, dy: RShape, expectedDy: RuleResult): RuleResult =>
  pipe(
    expectedDy,
    E.chain((fwd) =>
      fwd.shape.length === dy.length && fwd.shape.every((d, k) => d === dy[k] || typeof d !== 'number' || typeof dy[k] !== 'number')
        ? ok(target)
        : shapeError(op, `${op} expects an output gradient of shape ${showShape(fwd.shape)} but got ${showShape(dy)}`, dy),
    ),
  )
