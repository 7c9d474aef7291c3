/**
 * matMul ([M,K] x [K,N] -> [M,N], operands transposed first when asked) and fusedMatMul, which the
 * fusion pass makes of matMul + bias + activation. On wasm both run the SIMD dense product
 * (kernels/gemm.ts: transposes read in place, bias and activation in registers); where it does not apply
 * they transpose explicitly (tfjs-wasm multiplies transposed operands on a slow generic path). A fused
 * matMul runs tf.fused.matMul where the backend fuses its activation and the bias is a per-column vector,
 * and is spelled out elsewhere.
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { type Node, mk } from '../ir/node.js'
import { type RShape, isKnown, showShape } from '../ir/shape.js'
import { simdMatMul } from './kernels/gemm.js'
import { activate, activationGrad, onnxActivate } from './shared/activation.js'
import type { Activation } from './shared/attrs.js'
import { unbroadcast } from './shared/grad.js'
import type { OpFamily } from './shared/impl.js'
import { type FlatForm, type Form, type Placed, asIs, original, sameForm, toFlat } from './shared/layout-forms.js'
import { type LayoutRule, inOriginalLayout, placed } from './shared/layout.js'
import { type Lowering, fusedKernelActivations, fusingBackends, onBackends } from './shared/lower.js'
import { type OnnxEmitter, attr } from './shared/onnx.js'
import { asWritten, fillLike, fillValue, noFold, noSimplify } from './shared/rewrites.js'
import { type RuleResult, arity, broadcastShapes, ok, shapeError } from './shared/shape-rules.js'

/** Whether each operand is transposed before the product. @example { transposeA: false, transposeB: true } // x W^T */
export interface MatMulAttrs {
  readonly transposeA: boolean
  readonly transposeB: boolean
}

declare module '../ir/ops.js' {
  interface OpAttrs {
    /** [M,K] x [K,N] -> [M,N] (operands transposed first when asked). */
    matMul: MatMulAttrs
    /** activation(matMul(a, b) + bias): inputs (a, b, bias?). */
    fusedMatMul: MatMulAttrs & { readonly activation: Activation }
  }
}

/** [M,K] x [K,N] -> [M,N], operands transposed first when asked. @example matMulShape(['N', 400], [120, 400], false, true) // Right(['N', 120]) */
export const matMulShape = (a: RShape, b: RShape, ta: boolean, tb: boolean, op = 'matMul'): RuleResult => {
  if (a.length !== 2 || b.length !== 2)
    return shapeError(op, `${op} expects 2-D operands but got ${showShape(a)} and ${showShape(b)}`, a, b)
  const [m, k1] = ta ? [a[1]!, a[0]!] : [a[0]!, a[1]!]
  const [k2, n] = tb ? [b[1]!, b[0]!] : [b[0]!, b[1]!]
  if (isKnown(k1) && isKnown(k2) && k1 !== k2)
    return shapeError(op, `${op} inner dims differ: ${showShape(a)} x ${showShape(b)} (${k1} vs ${k2})`, a, b)
  return ok([m, n])
}

/**
 * Gradients of C = op(A) op(B) (op = optional transpose) w.r.t. A and B, each in its stored orientation:
 * e.g. C = A B gives dA = dC B^T, dB = A^T dC; C = A B^T gives dA = dC B, dB = dC^T A.
 */
const matMulGrads = (a: Node, b: Node, dc: Node, t: MatMulAttrs, need: readonly boolean[]): (Node | undefined)[] => {
  const mm = (x: Node, y: Node, transposeA: boolean, transposeB: boolean) => mk('matMul', [x, y], { transposeA, transposeB })
  const { transposeA: ta, transposeB: tb } = t
  const da = !need[0] ? undefined : ta ? (tb ? mm(b, dc, true, true) : mm(b, dc, false, true)) : mm(dc, b, false, !tb)
  const db = !need[1] ? undefined : tb ? (ta ? mm(dc, a, true, true) : mm(dc, a, true, false)) : mm(a, dc, !ta, false)
  return [da, db]
}

/** The operands as a backend multiplies them: as given, or (wasm) explicitly transposed first. */
type Operands = (a: tf.Tensor, b: tf.Tensor, t: MatMulAttrs) => { a: tf.Tensor2D; b: tf.Tensor2D; transposeA: boolean; transposeB: boolean }
const asGiven: Operands = (a, b, t) => ({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, transposeA: t.transposeA, transposeB: t.transposeB })
// an explicit transpose of a [256, 400] operand costs a fraction of a millisecond; tfjs-wasm's transposed GEMM 5-10x that
const transposedFirst: Operands = (a, b, t) => ({
  a: (t.transposeA ? tf.transpose(a) : a) as tf.Tensor2D,
  b: (t.transposeB ? tf.transpose(b) : b) as tf.Tensor2D,
  transposeA: false,
  transposeB: false,
})

const matMulOn =
  (operands: Operands): Lowering<'matMul'> =>
  ([a, b], at) => {
    const m = operands(a!, b!, at)
    return tf.matMul(m.a, m.b, m.transposeA, m.transposeB)
  }

/** A lowering that takes the SIMD dense product where it applies, `otherwise` elsewhere. */
const simdFirst =
  <O extends 'matMul' | 'fusedMatMul'>(otherwise: Lowering<O>): Lowering<O> =>
  (xs, at, ctx) =>
    simdMatMul(xs[0]!, xs[1]!, at.transposeA, at.transposeB, xs[2], 'activation' in at ? at.activation : 'linear') ?? otherwise(xs, at, ctx)

/** tf.fused.matMul when the backend runs the activation fused and the bias is a vector over the columns; else spelled out. */
const fusedMatMulOn =
  (fuses: readonly Activation[], operands: Operands): Lowering<'fusedMatMul'> =>
  ([a, b, bias], at) => {
    const m = operands(a!, b!, at)
    const columns = at.transposeB ? b!.shape[0]! : b!.shape[1]!
    const columnBias = bias === undefined || (bias.rank === 1 && bias.shape[0] === columns)
    if (fuses.includes(at.activation) && columnBias)
      return tf.fused.matMul({ ...m, activation: at.activation as Exclude<Activation, 'tanh'>, ...(bias ? { bias } : {}) })
    const y = tf.matMul(m.a, m.b, m.transposeA, m.transposeB)
    return activate(bias ? tf.add(y, bias) : y, at.activation)
  }

/**
 * Layout: a flattened-feature operand (an NHWC image flattened, features in H,W,C order) moves its order
 * onto the other operand (a weight's columns reordered once), or onto the result.
 */
const matMulLayout: LayoutRule<'matMul'> = (n, get) => {
  const { transposeA: ta, transposeB: tb } = n.attrs
  const flatOr = (v: Placed): Placed => (v.form.kind === 'flat' ? v : placed(original(v)))
  let [a, b] = n.inputs.map((i) => flatOr(get(i))) as [Placed, Placed]
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

/** Our matMul is 2-D only, which is exactly Gemm's case (with its transposes, alpha = beta = 1). */
const gemm = (b: OnnxEmitter, ins: readonly string[], ta: boolean, tb: boolean): string =>
  b.op('Gemm', ins, { ...(ta ? { transA: attr.int(1) } : {}), ...(tb ? { transB: attr.int(1) } : {}) })

/**
 * matMul and fusedMatMul.
 * @example mk('matMul', [x, w], { transposeA: false, transposeB: true }) // ['N', 400] x [120, 400]^T -> ['N', 120]
 */
export const matMulOps = {
  matMul: {
    shape: (i, a) => pipe(arity('matMul', i, 2), E.chain(([x, y]) => matMulShape(x!.shape, y!.shape, a.transposeA, a.transposeB))),
    grad: (y, dy, need) => matMulGrads(y.inputs[0]!, y.inputs[1]!, dy, y.attrs, need),
    eval: ([a, b], at) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, at.transposeA, at.transposeB),
    lower: { default: matMulOn(asGiven), wasm: simdFirst(matMulOn(transposedFirst)) },
    layout: matMulLayout,
    // fill x fill: every entry is a * b summed K times
    fold: (n) => {
      const [a, b] = n.inputs as [Node, Node]
      const k = a.shape[n.attrs.transposeA ? 0 : 1]!
      return isKnown(k) ? fillLike(n, fillValue(a) * fillValue(b) * k) : undefined
    },
    simplify: noSimplify,
    canonical: asWritten,
    onnx: (ins, a, cx) => E.right(gemm(cx.b, ins, a.transposeA, a.transposeB)),
    fusion: { role: 'core', fuse: (core, bias, activation) => mk('fusedMatMul', [core.inputs[0]!, core.inputs[1]!, ...(bias ? [bias] : [])], { ...core.attrs, activation }) },
  },
  fusedMatMul: {
    shape: (i, a) =>
      pipe(
        arity('fusedMatMul', i, [2, 3]),
        E.chain(([x, y, bias]) =>
          pipe(
            matMulShape(x!.shape, y!.shape, a.transposeA, a.transposeB, 'fusedMatMul'),
            E.chain((r) => (bias ? pipe(broadcastShapes('fusedMatMul', r.shape, bias.shape), E.chain(() => ok(r.shape))) : ok(r.shape))),
          ),
        ),
      ),
    grad: (y, dy, need) => {
      const [a, b, bias] = y.inputs
      const dz = activationGrad(y.attrs.activation, y, dy)
      return [...matMulGrads(a!, b!, dz, y.attrs, need), ...(bias && need[2] ? [unbroadcast(dz, bias.shape)] : [])]
    },
    eval: ([a, b, bias], at) => {
      const y = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, at.transposeA, at.transposeB)
      return activate(bias ? tf.add(y, bias) : y, at.activation)
    },
    lower: {
      default: fusedMatMulOn(['linear'], asGiven),
      ...onBackends(fusingBackends, fusedMatMulOn(fusedKernelActivations, asGiven)),
      wasm: simdFirst(fusedMatMulOn(fusedKernelActivations, transposedFirst)),
    },
    layout: inOriginalLayout,
    fold: noFold,
    simplify: noSimplify,
    canonical: asWritten,
    onnx: (ins, a, cx) => {
      const [x, w, bias] = ins
      // Gemm's C broadcasts one way to [M, N]: a bias of rank <= 2 fits (the shape rule checked it broadcasts)
      const y =
        bias === undefined || cx.node.inputs[2]!.shape.length <= 2
          ? gemm(cx.b, ins, a.transposeA, a.transposeB)
          : cx.b.op('Add', [gemm(cx.b, [x!, w!], a.transposeA, a.transposeB), bias])
      return E.right(onnxActivate(cx.b, y, a.activation))
    },
    fusion: {
      role: 'fused',
      activation: (n) => n.attrs.activation,
      withActivation: (n, activation) => mk('fusedMatMul', n.inputs, { ...n.attrs, activation }),
    },
  },
} satisfies OpFamily<'matMul' | 'fusedMatMul'>
