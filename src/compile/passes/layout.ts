/**
 * Layout assignment: NCHW -> NHWC. tfjs's image kernels (and its fused conv) run NHWC with HWIO filters,
 * while the API is NCHW/OIHW. This pass rewrites every image op (conv2d, fusedConv2d, pools, their
 * gradient primitives) to layout 'NHWC' and carries the permuted layout through everything that does not
 * care about axis order, so transposes remain only where a value enters or leaves the NHWC region:
 *
 * - graph inputs and params (x [N,C,H,W] -> NHWC, which is a mere reshape when C = 1; filters -> HWIO;
 *   a conv bias reshape [1,O,1,1] becomes [1,1,1,O]);
 * - outputs (roots are always returned in their original layout, e.g. a filter gradient back to OIHW);
 * - the flatten boundary: flattening an NHWC image gives the features in H,W,C order. Instead of
 *   transposing the activations back, the permutation moves onto the weight of the matMul that consumes
 *   the flattened value (its columns are reordered once, a [out, C*H*W] param-sized transpose), and in the
 *   gradient graph a matMul reshaped back to an image gets the same reordered weight, so its result is
 *   already NHWC. What remains: that one weight reordering per flatten (forward and backward share it),
 *   and a transpose wherever a permuted value meets an op this pass does not know (matMul on a 4-D
 *   reshape other than flatten, cross-entropy, a reshape that mixes image axes).
 *
 * Elementwise ops, broadcasting binaries (their other operands are reshaped/transposed to match, fills
 * folded), reductions and softmax (axes renumbered), transpose (absorbed into the form), batchNorm,
 * batchNormInfer and channelStat (axis renumbered) and broadcastTo keep the permuted layout. Dropout keeps it too; its mask is then
 * drawn over the permuted shape, which is the same distribution but not the same elements.
 * Running the pass twice is the identity (NHWC ops are left alone).
 */
import { P, match } from 'ts-pattern'
import { type Node, mk, topo } from '../../dsl/node.js'
import { binaryOps, unaryOps } from '../../dsl/ops.js'
import { normAxis } from '../../dsl/shape.js'
import { type FlatForm, type Form, type Placed, asIs, inForm, isAsIs, original, reshapeTo, sameForm, toFlat } from './layoutForms.js'
import { identityPerm, invertPerm, isIdentityPerm, permuteShape, toHwio, toNhwc } from './perm.js'
import { type AnyNode, type Pass, anyNode } from './rewrite.js'

// not dropout: its mask is drawn in the model's own element order, so it stays in the original layout
const elementwiseUnary = new Set<string>(unaryOps)
const elementwiseBinary = new Set<string>([...binaryOps, 'sigmoidGrad', 'reluGrad', 'tanhGrad'])

type Get = (n: Node) => Placed
const placed = (node: Node, form: Form = asIs(node.shape.length)): Placed => ({ node, form })
const nhwc = (v: Placed): Node => inForm(v, toNhwc)
const hwio = (v: Placed): Node => inForm(v, toHwio)
const axisIn = (form: Form, axis: number, rank: number): number => invertPerm(form.perm)[normAxis(axis, rank)!]!

/** Any op: inputs in the original layout, result as is. */
const asOriginal = (n: Node, get: Get): Placed => placed(mk(n.op, n.inputs.map((i) => original(get(i))), n.attrs as never))

/** Image ops: NCHW ones become NHWC (filters HWIO); NHWC ones are kept. */
const image = (n: Node, get: Get): Placed | undefined => {
  const a = n.attrs as { layout?: string }
  if (a.layout !== 'NCHW') return undefined
  const ins = n.inputs.map(get)
  const attrs = { ...(n.attrs as object), layout: 'NHWC' }
  const out = (node: Node, perm: readonly number[] = toNhwc): Placed => placed(node, { kind: 'perm', perm })
  return match<AnyNode, Placed | undefined>(anyNode(n))
    .with({ op: P.union('conv2d', 'fusedConv2d') }, () =>
      out(mk(n.op, [nhwc(ins[0]!), hwio(ins[1]!), ...ins.slice(2).map(original)], attrs)),
    )
    .with({ op: P.union('avgPool2d', 'maxPool2d', 'maxPool2dGrad') }, () => out(mk(n.op, ins.map(nhwc), attrs)))
    .with({ op: 'avgPool2dGrad' }, (g) => out(mk(n.op, ins.map(nhwc), { ...attrs, inputShape: permuteShape(g.attrs.inputShape, toNhwc) })))
    .with({ op: 'conv2dInputGrad' }, (g) =>
      out(mk(n.op, [nhwc(ins[0]!), hwio(ins[1]!)], { ...attrs, inputShape: permuteShape(g.attrs.inputShape, toNhwc) })),
    )
    .with({ op: 'conv2dFilterGrad' }, (g) =>
      out(mk(n.op, [nhwc(ins[0]!), nhwc(ins[1]!)], { ...attrs, filterShape: permuteShape(g.attrs.filterShape, toHwio) }), toHwio),
    )
    .otherwise(() => undefined)
}

/** Broadcasting elementwise ops: keep the layout of a permuted full-rank operand, fit the others to it. */
const elementwise = (n: Node, get: Get): Placed => {
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

/** Reductions and axis ops: renumber the axes. */
const reduce = (n: Node<'sum' | 'mean' | 'max'>, x: Placed): Placed => {
  if (x.form.kind === 'flat') return placed(mk(n.op, [original(x)], n.attrs))
  const rank = x.node.shape.length
  const axes = n.attrs.axes.map((a) => axisIn(x.form, a, rank))
  const node = mk(n.op, [x.node], { ...n.attrs, axes })
  if (n.attrs.keepDims) return placed(node, x.form)
  const gone = new Set(n.attrs.axes.map((a) => normAxis(a, rank)!))
  const kept = x.form.perm.filter((a) => !gone.has(a))
  const rankOf = (a: number): number => kept.filter((b) => b < a).length
  return placed(node, { kind: 'perm', perm: kept.map(rankOf) })
}

/** reshape: flatten of a permuted image keeps the features permuted; unflattening restores the image layout. */
const reshape = (n: Node<'reshape'>, x: Placed, get: Get): Placed => {
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
      return reshape(n, prod, get)
    }
  }
  if (f.kind === 'flat' && f.axis === 1 && n.shape.length === f.dims.length + 1 && batch === x.node.shape[0] && rest.every((d, i) => d === f.dims[i])) {
    const perm = [0, ...f.perm.map((p) => p + 1)]
    return placed(reshapeTo(x.node, permuteShape(n.shape, perm)), { kind: 'perm', perm })
  }
  return placed(mk('reshape', [original(x)], n.attrs))
}

/** matMul: a flattened-feature operand moves its order onto the other operand (or onto the result). */
const matMul = (n: Node<'matMul'>, get: Get): Placed => {
  const { transposeA: ta, transposeB: tb } = n.attrs
  let [a, b] = n.inputs.map(get) as [Placed, Placed]
  const flatOr = (v: Placed): Placed => (v.form.kind === 'flat' ? v : placed(original(v)))
  a = flatOr(a)
  b = flatOr(b)
  const contracted = (v: Placed, axis: number): FlatForm | undefined => (v.form.kind === 'flat' && v.form.axis === axis ? v.form : undefined)
  const ca = contracted(a, ta ? 0 : 1)
  const cb = contracted(b, tb ? 1 : 0)
  // contraction: both operands must order the shared features the same way
  if (ca && !(cb && sameForm(ca, cb))) b = placed(toFlat(original(b), { ...ca, axis: tb ? 1 : 0 }), { ...ca, axis: tb ? 1 : 0 })
  else if (cb && !ca) a = placed(toFlat(original(a), { ...cb, axis: ta ? 0 : 1 }), { ...cb, axis: ta ? 0 : 1 })
  const freeA = contracted(a, ta ? 1 : 0)
  const freeB = contracted(b, tb ? 0 : 1)
  if (freeA && freeB) b = placed(original(b))
  const node = mk('matMul', [a.node, b.node], n.attrs)
  const form: Form = freeA ? { ...freeA, axis: 0 } : freeB && !freeA ? { ...freeB, axis: 1 } : asIs(2)
  return placed(node, form)
}

const place = (n: Node, get: Get): Placed => {
  if (n.inputs.length === 0) return placed(n)
  const img = image(n, get)
  if (img) return img
  if (elementwiseUnary.has(n.op)) {
    const x = get(n.inputs[0]!)
    return placed(mk(n.op, [x.node], n.attrs as never), x.form)
  }
  if (elementwiseBinary.has(n.op)) return elementwise(n, get)
  const x = get(n.inputs[0]!)
  const perm = x.form.kind === 'perm' ? x.form.perm : undefined
  return match<AnyNode, Placed>(anyNode(n))
    .with({ op: P.union('sum', 'mean', 'max') }, (r) => reduce(r, x))
    .with({ op: P.union('softmax', 'logSoftmax') }, (s) =>
      perm ? placed(mk(s.op, [x.node], { axis: axisIn(x.form, s.attrs.axis, perm.length) }), x.form) : asOriginal(n, get),
    )
    .with({ op: 'transpose' }, (t) => {
      if (!perm) return asOriginal(n, get)
      const inv = invertPerm(t.attrs.perm)
      return placed(x.node, { kind: 'perm', perm: perm.map((a) => inv[a]!) })
    })
    .with({ op: 'broadcastTo' }, (b) =>
      perm && perm.length === n.shape.length
        ? placed(mk('broadcastTo', [x.node], { shape: permuteShape(b.attrs.shape, perm) }), x.form)
        : asOriginal(n, get),
    )
    .with({ op: P.union('batchNorm', 'batchNormInfer') }, (b) =>
      perm
        ? placed(mk(b.op, [x.node, ...n.inputs.slice(1).map((i) => original(get(i)))], { ...b.attrs, axis: axisIn(x.form, b.attrs.axis, perm.length) }), x.form)
        : asOriginal(n, get),
    )
    .with({ op: 'channelStat' }, (s) =>
      perm ? placed(mk('channelStat', [x.node], { ...s.attrs, axis: axisIn(x.form, s.attrs.axis, perm.length) })) : asOriginal(n, get),
    )
    .with({ op: 'batchNormGrad' }, (b) => {
      if (!perm) return asOriginal(n, get)
      const [, gamma, dy] = n.inputs.map(get) as [Placed, Placed, Placed]
      const attrs = { ...b.attrs, axis: axisIn(x.form, b.attrs.axis, perm.length) }
      const node = mk('batchNormGrad', [x.node, original(gamma), inForm(dy, perm)], attrs)
      return b.attrs.which === 'x' ? placed(node, x.form) : placed(node)
    })
    .with({ op: 'reshape' }, (r) => reshape(r, x, get))
    .with({ op: 'matMul' }, (m) => matMul(m, get))
    .otherwise(() => asOriginal(n, get))
}

/**
 * Assigns NHWC layouts (see the module comment). Roots keep their original shapes and values.
 *
 * @example
 * layout([lenet(input('x', ['N', 1, 28, 28])).node]) // conv2d[layout=NHWC] ..., no transposes between layers
 */
export const layout: Pass = (roots) => {
  const done = new Map<Node, Placed>()
  const get: Get = (n) => done.get(n)!
  for (const n of topo(roots)) done.set(n, place(n, get))
  return roots.map((r) => original(get(r)))
}
