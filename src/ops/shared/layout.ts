/**
 * What a layout rule (each op module's `layout`) is, and the rules several ops share. The layout pass
 * (src/compile/passes/layout.ts) rewrites NCHW image ops to NHWC and carries permuted layouts through
 * everything that does not care about axis order; it visits nodes inputs first and asks each op's rule
 * how to rebuild the node given where its inputs ended up (`get`), so transposes appear only where a
 * value enters or leaves the NHWC region. The forms themselves are in layout-forms.ts.
 */
import { type Node, mk } from '../../ir/node.js'
import type { Op } from '../../ir/ops.js'
import { normAxis } from '../../ir/shape.js'
import { type Form, type Placed, asIs, inForm, original, reshapeTo, sameForm } from './layout-forms.js'
import { identityPerm, invertPerm, isIdentityPerm, toHwioPerm, toNhwcPerm } from './perm.js'

export type { Form, Placed } from './layout-forms.js'

/** Where the pass put an already visited node: its rewritten node and form. @example get(n.inputs[0]!).form */
export type Get = (n: Node) => Placed

/**
 * How op `O` is rebuilt by the layout pass, given where its inputs are.
 * @example const keep: LayoutRule<'neg'> = (n, get) => inOriginalLayout(n, get)
 */
export type LayoutRule<O extends Op> = (n: Node<O>, get: Get) => Placed

/** `node` in `form` (default: as is). @example placed(node, { kind: 'perm', perm: [0, 2, 3, 1] }) */
export const placed = (node: Node, form: Form = asIs(node.shape.length)): Placed => ({ node, form })

/** Leaves stay as they are (their users transpose them where needed). @example layout: leafLayout */
export const leafLayout: LayoutRule<Op> = (n) => placed(n)

/** Any op: inputs back in the original layout, result as is (ops that care about axis order). @example layout: inOriginalLayout */
export const inOriginalLayout: LayoutRule<Op> = (n, get) => placed(mk(n.op, n.inputs.map((i) => original(get(i))), n.attrs as never))

/** `axis` of the original value, as an axis of the stored value in `form`. @example axisIn({ kind: 'perm', perm: [0, 2, 3, 1] }, 1, 4) // 3 */
export const axisIn = (form: Form, axis: number, rank: number): number => invertPerm(form.perm)[normAxis(axis, rank)!]!

/**
 * Broadcasting elementwise ops (unary ones too): keep the layout of a permuted full-rank operand, fit the
 * others to it (lower-rank operands are padded with leading 1s first).
 *
 * @example layout: elementwiseLayout
 */
export const elementwiseLayout: LayoutRule<Op> = (n, get) => {
  const rank = n.shape.length
  const ins = n.inputs.map(get)
  const full = ins.filter((v) => v.node.shape.length === rank)
  const flat = full[0]?.form
  if (flat?.kind === 'flat' && full.every((v) => sameForm(v.form, flat)) && ins.every((v) => v.node.shape.length === rank || v.node.shape.length === 0))
    return placed(mk(n.op, ins.map((v) => v.node), n.attrs as never), flat)
  const lead = full.find((v) => v.form.kind === 'perm' && !isIdentityPerm(v.form.perm))
  const perm = lead?.form.perm ?? identityPerm(rank)
  const fit = (v: Placed): Node => {
    if (v.node.shape.length === rank) return inForm(v, perm)
    const padded = reshapeTo(original(v), [...new Array<number>(rank - v.node.shape.length).fill(1), ...v.node.shape])
    return inForm(placed(padded), perm)
  }
  return placed(mk(n.op, ins.map(fit), n.attrs as never), { kind: 'perm', perm })
}

/**
 * Ops with an `axis` attribute over their first input (softmax, batch norm, ...): when that input is
 * stored permuted, the op runs on it with the axis renumbered, the other inputs in their original layout,
 * and the result keeps the input's form (`keepForm`) or is as is.
 *
 * @example layout: axisLayout(true)
 */
export const axisLayout =
  (keepForm: boolean): LayoutRule<Op> =>
  (n, get) => {
    const x = get(n.inputs[0]!)
    if (x.form.kind !== 'perm') return inOriginalLayout(n, get)
    const a = n.attrs as { readonly axis: number }
    const attrs = { ...a, axis: axisIn(x.form, a.axis, x.form.perm.length) }
    const node = mk(n.op, [x.node, ...n.inputs.slice(1).map((i) => original(get(i)))], attrs as never)
    return keepForm ? placed(node, x.form) : placed(node)
  }

/** The node holding `v` in NHWC. @example nhwc(get(x)) */
export const nhwc = (v: Placed): Node => inForm(v, toNhwcPerm)
/** The node holding the filter `v` in HWIO. @example hwio(get(w)) */
export const hwio = (v: Placed): Node => inForm(v, toHwioPerm)

/**
 * Image ops: an NCHW node is rebuilt in NHWC by `build` (given its inputs' placements and the attrs with
 * layout 'NHWC') and its result is stored permuted by `resultPerm` (NHWC, or HWIO for filter gradients);
 * an NHWC node is kept with its inputs in their original layout.
 *
 * @example layout: imageLayout((n, ins, attrs) => mk('maxPool2d', ins.map(nhwc), attrs))
 */
export const imageLayout =
  <O extends Op>(build: (n: Node<O>, ins: readonly Placed[], attrs: Node<O>['attrs']) => Node, resultPerm: readonly number[] = toNhwcPerm): LayoutRule<O> =>
  (n, get) => {
    if ((n.attrs as { layout?: string }).layout !== 'NCHW') return inOriginalLayout(n, get)
    const attrs = { ...(n.attrs as object), layout: 'NHWC' } as Node<O>['attrs']
    return placed(build(n, n.inputs.map(get), attrs), { kind: 'perm', perm: resultPerm })
  }
