/**
 * Gradient rules of matMul (plain and fused), reshape, transpose, reductions and broadcastTo.
 * Reductions spread the output gradient back with `broadcastTo`, whose own adjoint is a sum.
 */
import { type Node, mk } from '../../dsl/node.js'
import type { OpAttrs } from '../../dsl/ops.js'
import { type GradRule, activationGrad, constant, mul, reciprocalCount, reshape, spread, sub, unbroadcast } from './common.js'

/**
 * Gradients of C = op(A) op(B) (op = optional transpose) w.r.t. A and B, each in its stored orientation:
 * e.g. C = A B gives dA = dC B^T, dB = A^T dC; C = A B^T gives dA = dC B, dB = dC^T A.
 */
const matMulGrads = (a: Node, b: Node, dc: Node, t: OpAttrs['matMul'], need: readonly boolean[]): (Node | undefined)[] => {
  const mm = (x: Node, y: Node, transposeA: boolean, transposeB: boolean) => mk('matMul', [x, y], { transposeA, transposeB })
  const { transposeA: ta, transposeB: tb } = t
  const da = !need[0] ? undefined : ta ? (tb ? mm(b, dc, true, true) : mm(b, dc, false, true)) : mm(dc, b, false, !tb)
  const db = !need[1] ? undefined : tb ? (ta ? mm(dc, a, true, true) : mm(dc, a, true, false)) : mm(a, dc, !ta, false)
  return [da, db]
}

/** The gradient rules of the structural ops. */
export const structureGrads = {
  matMul: (y, dy, need) => matMulGrads(y.inputs[0]!, y.inputs[1]!, dy, y.attrs, need),
  fusedMatMul: (y, dy, need) => {
    const [a, b, bias] = y.inputs
    const dz = activationGrad(y.attrs.activation, y, dy)
    return [...matMulGrads(a!, b!, dz, y.attrs, need), ...(bias && need[2] ? [unbroadcast(dz, bias.shape)] : [])]
  },
  reshape: (y, dy) => [reshape(dy, y.inputs[0]!.shape)],
  transpose: (y, dy) => {
    const inverse = y.attrs.perm.map((_, i) => y.attrs.perm.indexOf(i))
    return [mk('transpose', [dy], { perm: inverse })]
  },
  sum: (y, dy) => [spread(dy, y.inputs[0]!.shape, y.attrs)],
  mean: (y, dy) => [mul(spread(dy, y.inputs[0]!.shape, y.attrs), reciprocalCount(y.inputs[0]!.shape, y.attrs.axes))],
  // Every element equal to the max gets the full gradient (as tfjs does); x <= max, so x == max is 1 - (max > x).
  max: (y, dy) => {
    const x = y.inputs[0]!
    const isMax = sub(constant(1), mk('greater', [spread(y, x.shape, y.attrs), x], {}))
    return [mul(spread(dy, x.shape, y.attrs), isMax)]
  },
  broadcastTo: (y, dy) => [unbroadcast(dy, y.inputs[0]!.shape)],
} satisfies { [O in 'matMul' | 'fusedMatMul' | 'reshape' | 'transpose' | 'sum' | 'mean' | 'max' | 'broadcastTo']: GradRule<O> }
