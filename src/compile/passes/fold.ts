/**
 * Constant folding of fill-only subtrees: an op whose inputs are all fills is a fill, computed now.
 *
 * unary(fill v) -> fill f(v); fill a (op) fill b -> fill (a op b); reshape/transpose/broadcastTo of a
 * fill -> fill; sum of a fill -> fill(v * reduced count); mean/max -> fill v; softmax -> fill 1/size;
 * logSoftmax -> fill -log(size); matMul of fills -> fill(a * b * K). Values are rounded to float32 as
 * the kernels would. Folds needing a symbolic size (a sum over the batch 'N') are left alone, and so
 * is dropout (its mask is random).
 */
import { P, match } from 'ts-pattern'
import { type Node, mk } from '../../dsl/node.js'
import type { Op } from '../../dsl/ops.js'
import { isKnown } from '../../dsl/shape.js'
import { type Pass, type Rule, rewriteWith } from './rewrite.js'

const f32 = Math.fround

const unary: Partial<Record<Op, (v: number) => number>> = {
  neg: (v) => -v,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  square: (v) => v * v,
  sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  relu: (v) => Math.max(v, 0),
  tanh: Math.tanh,
}
const binary: Partial<Record<Op, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  greater: (a, b) => (a > b ? 1 : 0),
}

const valueOf = (n: Node): number => (n as Node<'fill'>).attrs.value
const fillLike = (n: Node, value: number): Node => mk('fill', [], { value: f32(value) }, n.shape, 'float32')
const isFill = { op: 'fill' } as const

/** Product of the sizes of `axes` of `shape`, or undefined when one is symbolic. */
const reducedCount = (shape: Node['shape'], axes: readonly number[]): number | undefined => {
  let count = 1
  for (const a of axes) {
    const d = shape[a < 0 ? a + shape.length : a]!
    if (!isKnown(d)) return undefined
    count *= d
  }
  return count
}

/** The folding rules, one node at a time (inputs already folded). */
export const foldRule: Rule = (n) =>
  n.dtype !== 'float32' || n.inputs.length === 0 || n.inputs.some((i) => i.op !== 'fill' || i.dtype !== 'float32')
    ? undefined
    : match<Node, Node | undefined>(n)
        .with({ inputs: [isFill] }, (u) => (unary[u.op] ? fillLike(n, unary[u.op]!(valueOf(u.inputs[0]!))) : foldOne(u)))
        .with({ inputs: [isFill, isFill] }, (b) =>
          binary[b.op]
            ? fillLike(n, binary[b.op]!(valueOf(b.inputs[0]!), valueOf(b.inputs[1]!)))
            : b.op === 'matMul'
              ? matMulFold(b as Node<'matMul'>)
              : undefined,
        )
        .otherwise(() => undefined)

/** Single-input structural ops and reductions over a fill. */
const foldOne = (n: Node): Node | undefined => {
  const x = n.inputs[0]!
  const v = valueOf(x)
  return match<Node, Node | undefined>(n)
    .with({ op: P.union('reshape', 'transpose', 'broadcastTo', 'mean') }, () => fillLike(n, v))
    .with({ op: 'max' }, (m) => (reducedCount(x.shape, (m as Node<'max'>).attrs.axes) === 0 ? undefined : fillLike(n, v)))
    .with({ op: 'sum' }, (s) => {
      const count = reducedCount(x.shape, (s as Node<'sum'>).attrs.axes)
      return count === undefined ? undefined : fillLike(n, v * count)
    })
    .with({ op: P.union('softmax', 'logSoftmax') }, (s) => {
      const size = reducedCount(x.shape, [(s as Node<'softmax'>).attrs.axis])
      return size === undefined ? undefined : fillLike(n, s.op === 'softmax' ? 1 / size : -Math.log(size))
    })
    .otherwise(() => undefined)
}

const matMulFold = (n: Node<'matMul'>): Node | undefined => {
  const [a, b] = n.inputs as [Node, Node]
  const k = a.shape[n.attrs.transposeA ? 0 : 1]!
  return isKnown(k) ? fillLike(n, valueOf(a) * valueOf(b) * k) : undefined
}

/**
 * Folds fill-only subtrees to single fills, to a fixed point.
 *
 * @example
 * fold([mk('add', [fill([2], 1).node, fill([2], 2).node], {})]) // [fill [2] 3]
 */
export const fold: Pass = (roots) => rewriteWith(roots, foldRule)
