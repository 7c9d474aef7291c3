/** Helpers shared by the runtime shape rules. */
import * as E from 'fp-ts/lib/Either.js'
import type { DType } from '../ops.js'
import { type Dim, type RShape, ShapeError, fail, isKnown, showShape } from '../shape.js'

/** What a shape rule infers for a node. */
export interface Inferred {
  readonly shape: RShape
  readonly dtype: DType
}
export type RuleResult = E.Either<ShapeError, Inferred>

export const ok = (shape: RShape, dtype: DType = 'float32'): RuleResult => E.right({ shape, dtype })

/** Requires an exact rank; the message names the op and the shape it got. */
export const needRank = (op: string, s: RShape, rank: number, what: string): E.Either<ShapeError, RShape> =>
  s.length === rank ? E.right(s) : fail(op, `${op} expects a ${rank}-D input ${what} but got ${showShape(s)}`, s)

/**
 * Output size of a sliding window: floor((size + padTotal - dilation*(kernel-1) - 1) / stride) + 1.
 * Symbolic sizes stay symbolic (the check runs when the graph is bound).
 */
export const windowOut = (
  op: string,
  what: string,
  size: Dim,
  kernel: number,
  stride: number,
  padTotal: number,
  dilation: number,
): E.Either<ShapeError, Dim> => {
  if (!isKnown(size)) return E.right(`${op}(${size})`)
  const span = dilation * (kernel - 1) + 1
  const padded = size + padTotal
  if (span > padded) return fail(op, `${op} ${what} ${span} is larger than the padded input ${padded}`)
  return E.right(Math.floor((padded - span) / stride) + 1)
}

/** The dim a pair of broadcast dims becomes, or undefined when they do not broadcast. */
export const broadcastDim = (a: Dim, b: Dim): Dim | undefined =>
  a === b ? a : a === 1 ? b : b === 1 ? a : !isKnown(a) || !isKnown(b) ? (isKnown(a) ? b : a) : undefined

/** numpy-style broadcast of two shapes. */
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

export const shapeError = (op: string, detail: string, ...shapes: RShape[]): RuleResult => fail(op, detail, ...shapes)
export { ShapeError }
