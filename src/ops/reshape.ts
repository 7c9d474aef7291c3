/**
 * reshape: the same elements in another shape (one -1 dim is inferred). Under the layout pass, flattening
 * an NHWC image keeps its features in H,W,C order (a flat form) instead of transposing back, and
 * unflattening restores the image layout; a matMul reshaped to an image gets its weight's columns
 * reordered so its product comes out NHWC-flattened.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type Node, mk } from '../ir/node.js'
import { type Dim, type RShape, dimProduct, isKnown, showShape } from '../ir/shape.js'
import { reshape as reshapeNode } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { type FlatForm, type Placed, isAsIs, original, reshapeTo, toFlat } from './shared/layout-forms.js'
import { type Get, placed } from './shared/layout.js'
import { ExportError } from './shared/onnx.js'
import { isIdentityPerm, permuteShape } from './shared/perm.js'
import { fillLike, fillValue, keepAs } from './shared/rewrites.js'
import { type RuleResult, arity, ok, shapeError } from './shared/shape-rules.js'

declare module '../ir/ops.js' {
  interface OpAttrs {
    reshape: { readonly shape: RShape }
  }
}

/**
 * The factors of some dims: the known sizes' product and the symbolic names in order, products such as
 * `'4*N'` split. @example factorsOf(['N', 4, '2*M']) // { known: 8, names: ['N', 'M'] }
 */
const factorsOf = (dims: RShape): { known: number; names: string[] } => {
  let known = 1
  const names: string[] = []
  for (const d of dims)
    for (const f of isKnown(d) ? [d] : d.split('*'))
      if (isKnown(f)) known *= f
      else if (/^\d+$/.test(f)) known *= Number(f)
      else names.push(f)
  return { known, names }
}

/**
 * The dim a -1 stands for: x's element count with `known`'s names cancelled (each once) and divided by its
 * sizes, spelled as `dimProduct` spells it; undefined when a name is not in x or the sizes do not divide.
 * The type-level twin is src/types/rules/reshape.ts.
 *
 * @example
 * reshapeHole(['N', 4, 8], [32]) // 'N'
 * reshapeHole(['N', 4, 8], ['N']) // 32
 * reshapeHole(['N', 4, 8], [8]) // '4*N'
 * reshapeHole(['4*N', 8], ['N']) // 32
 * reshapeHole(['N', 3, 5], [4]) // undefined
 */
export const reshapeHole = (x: RShape, known: RShape): Dim | undefined => {
  const from = factorsOf(x)
  const by = factorsOf(known)
  const names = [...from.names]
  for (const n of by.names) {
    const i = names.indexOf(n)
    if (i < 0) return undefined
    names.splice(i, 1)
  }
  if (by.known === 0 || from.known % by.known !== 0) return undefined
  return dimProduct([from.known / by.known, ...names])
}

/**
 * Reshape keeps the element count; one `-1` dim is inferred (`reshapeHole`). Without a -1 the counts are
 * compared when both are known; with symbolic dims that check is left to run time.
 *
 * @example
 * reshapeShape(['N', 16, 5, 5], ['N', -1]) // Right(['N', 400])
 * reshapeShape(['N', 3, 5], [-1, 4]) // Left(ShapeError: reshape cannot turn [N, 3, 5] (15*N elements) into [-1, 4])
 */
export const reshapeShape = (x: RShape, target: RShape): RuleResult => {
  const holes = target.filter((d) => d === -1).length
  if (holes > 1) return shapeError('reshape', `reshape target ${showShape(target)} has more than one -1`, target)
  const from = dimProduct(x)
  const known = target.filter((d) => d !== -1)
  if (holes === 1) {
    const hole = reshapeHole(x, known)
    if (hole === undefined) return shapeError('reshape', `reshape cannot turn ${showShape(x)} (${from} elements) into ${showShape(target)}`, x)
    return ok(target.map((d) => (d === -1 ? hole : d)))
  }
  const to = dimProduct(known)
  if (isKnown(from) && isKnown(to) && from !== to)
    return shapeError('reshape', `reshape cannot turn ${showShape(x)} (${from} elements) into ${showShape(target)} (${to} elements)`, x, target)
  return ok(target)
}

/** Layout: flatten of a permuted image keeps the features permuted; unflattening restores the image layout. */
const reshapeLayout = (n: Node<'reshape'>, x: Placed, get: Get): Placed => {
  const [batch, ...rest] = n.shape
  const f = x.form
  if (f.kind === 'perm' && !isIdentityPerm(f.perm) && f.perm[0] === 0 && n.shape.length === 2 && batch === x.node.shape[0]) {
    const form: FlatForm = { kind: 'flat', axis: 1, dims: n.inputs[0]!.shape.slice(1), perm: f.perm.slice(1).map((p) => p - 1) }
    return placed(reshapeTo(x.node, n.shape), form)
  }
  if (n.shape.length === 4 && x.node.shape.length === 2 && batch === x.node.shape[0] && f.kind === 'perm' && isAsIs(f)) {
    // matMul(a, W) reshaped to an image: reorder W's columns so the product comes out NHWC-flattened
    const m = n.inputs[0]!
    if (m.op === 'matMul' && !(m as Node<'matMul'>).attrs.transposeA) {
      const flatForm: FlatForm = { kind: 'flat', axis: 1, dims: rest, perm: [1, 2, 0] }
      const mm = m as Node<'matMul'>
      const b = original(get(mm.inputs[1]!))
      const b2 = mm.attrs.transposeB ? toFlat(b, { ...flatForm, axis: 0 }) : toFlat(b, flatForm)
      const prod = placed(mk('matMul', [original(get(mm.inputs[0]!)), b2], mm.attrs), flatForm)
      return reshapeLayout(n, prod, get)
    }
  }
  if (f.kind === 'flat' && f.axis === 1 && n.shape.length === f.dims.length + 1 && batch === x.node.shape[0] && rest.every((d, i) => d === f.dims[i])) {
    const perm = [0, ...f.perm.map((p) => p + 1)]
    return placed(reshapeTo(x.node, permuteShape(n.shape, perm)), { kind: 'perm', perm })
  }
  return placed(mk('reshape', [original(x)], n.attrs))
}

/**
 * reshape.
 * @example mk('reshape', [x], { shape: ['N', -1] }) // ['N', 16, 5, 5] -> ['N', 400]
 */
export const reshapeOps = {
  reshape: {
    // int32 values (labels, indices) stay int32
    shape: (i, a) =>
      pipe(
        arity('reshape', i, 1),
        E.chain(([x]) => pipe(reshapeShape(x!.shape, a.shape), E.map((r) => ({ ...r, dtype: x!.dtype })))),
      ),
    grad: (y, dy) => [reshapeNode(dy, y.inputs[0]!.shape)],
    eval: ([x], a, ctx) => tf.reshape(x!, ctx.bind(a.shape)),
    lower: ([x], a, ctx) => tf.reshape(x!, ctx.bind(a.shape)),
    layout: (n, get) => reshapeLayout(n, get(n.inputs[0]!), get),
    fold: (n) => fillLike(n, fillValue(n.inputs[0]!)),
    // reshape(reshape x) -> one reshape; a reshape to the same shape -> x
    simplify: (n) => {
      const x = n.inputs[0]!
      if (x.op !== 'reshape') return keepAs(n, x)
      const inner = x.inputs[0]!
      return keepAs(n, inner) ?? mk('reshape', [inner], { shape: n.shape })
    },
    // a target with -1 is spelled as the shape it resolves to
    canonical: (n) => ({ shape: n.shape }),
    onnx: (ins, _a, cx) => {
      const from = cx.node.inputs[0]!.shape
      const to = cx.node.shape
      // ONNX reads a 0 in the target as 'copy'; a fractional size is a shape no tensor has
      if (to.some((d) => isKnown(d) && (d <= 0 || !Number.isInteger(d))))
        return E.left(new ExportError(`cannot export op reshape (node #${cx.node.id}) to ${showShape(to)}: sizes must be positive integers`, cx.node))
      // A static target when possible: a symbolic dim that stays at its index is ONNX's 0 ('copy'), and one
      // other unknown dim is -1 (inferred from the element count, since every other dim is then fixed).
      // Only a target with several moved symbolic dims needs its shape computed at run time.
      const target = to.map((d, i) => (isKnown(d) ? d : from[i] === d ? 0 : undefined))
      const open = target.filter((d) => d === undefined).length
      if (open <= 1) return E.right(cx.b.op('Reshape', [ins[0]!, cx.b.int64s(target.map((d) => d ?? -1))]))
      return E.map((shape: string) => cx.b.op('Reshape', [ins[0]!, shape]))(cx.b.shapeOf(to))
    },
  },
} satisfies OpFamily<'reshape'>
