/**
 * How the layout pass stores a value: the rewritten node plus the form relating it to the original value.
 * A form is either an axis permutation (NHWC images are NCHW values transposed by [0,2,3,1]) or, for 2-D
 * values made by flattening an image, a reordering of the flattened features (H,W,C instead of C,H,W).
 */
import { type Node, mk } from '../../ir/node.js'
import { type Dim, type RShape, sameShape } from '../../ir/shape.js'
import { identityPerm, invertPerm, isIdentityPerm, movesOnlyUnitDims, permuteShape } from './perm.js'

/** The stored node is `transpose(original, perm)`. @example const nhwcForm: PermForm = { kind: 'perm', perm: [0, 2, 3, 1] } */
export interface PermForm {
  readonly kind: 'perm'
  readonly perm: readonly number[]
}
/**
 * The stored node is 2-D like the original, but along `axis` its features, which the original orders as
 * the row-major flattening of `dims` (e.g. C,H,W), are in the order of `transpose(reshape(dims), perm)`.
 */
export interface FlatForm {
  readonly kind: 'flat'
  readonly axis: 0 | 1
  readonly dims: readonly Dim[]
  readonly perm: readonly number[]
}
/** How a stored node relates to the original value. @example asIs(4) */
export type Form = PermForm | FlatForm

/** A rewritten value: its node and how it relates to the original. @example { node: x, form: asIs(2) } */
export interface Placed {
  readonly node: Node
  readonly form: Form
}

/** The identity form of a rank. @example asIs(2) // { kind: 'perm', perm: [0, 1] } */
export const asIs = (rank: number): PermForm => ({ kind: 'perm', perm: identityPerm(rank) })
/** Whether a form is the identity. @example isAsIs(asIs(3)) // true */
export const isAsIs = (f: Form): boolean => f.kind === 'perm' && isIdentityPerm(f.perm)
/** Whether two forms store values the same way. @example sameForm(asIs(2), asIs(2)) // true */
export const sameForm = (a: Form, b: Form): boolean =>
  a.kind === b.kind &&
  a.perm.length === b.perm.length &&
  a.perm.every((x, i) => x === b.perm[i]) &&
  (a.kind === 'perm' || (b.kind === 'flat' && a.axis === b.axis && sameShape(a.dims, b.dims)))

/** reshape, folding into a fill or an inner reshape (so boundary fixes stay one node). @example reshapeTo(bias, [1, 1, 1, 6]) */
export const reshapeTo = (x: Node, shape: RShape): Node =>
  sameShape(x.shape, shape)
    ? x
    : x.op === 'fill'
      ? mk('fill', [], x.attrs as Node<'fill'>['attrs'], shape, x.dtype)
      : x.op === 'reshape'
        ? reshapeTo(x.inputs[0]!, shape)
        : mk('reshape', [x], { shape })

/** transpose, as a reshape when only size-1 dims move, and nothing for the identity. @example transposeBy(x, [0, 2, 3, 1]) */
export const transposeBy = (x: Node, perm: readonly number[]): Node =>
  isIdentityPerm(perm)
    ? x
    : movesOnlyUnitDims(x.shape, perm) || x.op === 'fill'
      ? reshapeTo(x, permuteShape(x.shape, perm))
      : x.op === 'transpose'
        ? transposeBy(x.inputs[0]!, perm.map((j) => (x as Node<'transpose'>).attrs.perm[j]!))
        : mk('transpose', [x], { perm })

/** Reorders the features along `axis` of a 2-D value in original order into the flat form's order. @example toFlat(w, { axis: 0, dims: [16, 5, 5], perm: [1, 2, 0] }) */
export const toFlat = (x: Node, f: Omit<FlatForm, 'kind'>): Node => {
  const [a, b] = x.shape as [Dim, Dim]
  const k = f.dims.length
  return f.axis === 1
    ? reshapeTo(transposeBy(reshapeTo(x, [a, ...f.dims]), [0, ...f.perm.map((p) => p + 1)]), x.shape)
    : reshapeTo(transposeBy(reshapeTo(x, [...f.dims, b]), [...f.perm, k]), x.shape)
}

/** The inverse of `toFlat`: back to the original feature order. @example fromFlat(v.node, v.form) */
export const fromFlat = (x: Node, f: Omit<FlatForm, 'kind'>): Node => {
  const [a, b] = x.shape as [Dim, Dim]
  const k = f.dims.length
  const stored = permuteShape(f.dims, f.perm)
  const inv = invertPerm(f.perm)
  return f.axis === 1
    ? reshapeTo(transposeBy(reshapeTo(x, [a, ...stored]), [0, ...inv.map((p) => p + 1)]), x.shape)
    : reshapeTo(transposeBy(reshapeTo(x, [...stored, b]), [...inv, k]), x.shape)
}

/**
 * The node holding `transpose(original, perm)` (the original itself for the identity): the one place
 * where the pass inserts transposes.
 * @example inForm(get(x), toNhwcPerm) // x as NHWC
 */
export const inForm = (v: Placed, perm: readonly number[]): Node => {
  if (v.form.kind === 'flat') return transposeBy(fromFlat(v.node, v.form), perm)
  const inv = invertPerm(v.form.perm)
  return transposeBy(v.node, perm.map((a) => inv[a]!))
}

/** The node holding the original value. @example original(get(x)) */
export const original = (v: Placed): Node => inForm(v, identityPerm(v.node.shape.length))
