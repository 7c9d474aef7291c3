/**
 * Fusion: conv2d / matMul + bias add + activation -> fusedConv2d / fusedMatMul, one kernel instead of
 * three. Which activations fuse depends on the backend's fused kernels (`FusionOptions`); the others stay
 * separate ops after a bias-only ('linear') fused node.
 *
 * A piece is fused only when nothing else needs the value it hides: the conv/matMul result must have the
 * bias add as its only user, and the pre-activation sum must have the activation as its only user. The
 * activation's own output is the fused node, so gradients that read the output (sigmoidGrad(y, dy),
 * reluGrad, tanhGrad) still find it. Only NHWC convs fuse: tfjs's fused conv2d supports NHWC only (run the
 * layout pass first).
 */
import { type Node, mk } from '../../dsl/node.js'
import type { Activation } from '../../dsl/ops.js'
import { rebuild, rewrite } from '../graph.js'
import { reshapeTo } from './layoutForms.js'
import { type Pass, userCounts } from './rewrite.js'

/** Which activations the target backend runs inside its fused conv/matMul kernels. */
export interface FusionOptions {
  /** Leave out 'linear' to disable fusion entirely. */
  readonly activations: readonly Activation[]
}

/**
 * What tfjs-backend-wasm 4.22 runs fused (FusableActivation in dist/kernels/types.js: linear, relu, relu6,
 * prelu, leakyrelu, sigmoid, elu; tanh is not a tfjs fused activation on any backend). The cpu and webgpu
 * backends accept the same set. Our gradients are lowered from our own graph, not recorded on a tape, so
 * tfjs's "only linear when gradients are recorded" restriction does not apply.
 */
export const tfjsFusion: FusionOptions = { activations: ['linear', 'relu', 'sigmoid'] }

const activationOps: ReadonlySet<string> = new Set(['relu', 'sigmoid', 'tanh'])

/** `b` as a rank-1 bias [C] when adding it to `core` only adds along the last axis (shapes [C], [1,C], [1,1,1,C]). */
const asBias = (core: Node, b: Node): Node | undefined => {
  const c = core.shape[core.shape.length - 1]
  const s = b.shape
  const fits = s.length >= 1 && s.length <= core.shape.length && s[s.length - 1] === c && s.slice(0, -1).every((d) => d === 1)
  return fits && b.dtype === 'float32' ? reshapeTo(b, [c!]) : undefined
}

const fusable = (n: Node): boolean =>
  n.op === 'matMul' || (n.op === 'conv2d' && (n as Node<'conv2d'>).attrs.layout === 'NHWC')

/** The fused form of `core` (conv2d or matMul) with `bias` and `activation`. */
const fuse = (core: Node, bias: Node | undefined, activation: Activation): Node => {
  const ins = [core.inputs[0]!, core.inputs[1]!, ...(bias ? [bias] : [])]
  return core.op === 'conv2d'
    ? mk('fusedConv2d', ins, { ...(core as Node<'conv2d'>).attrs, activation })
    : mk('fusedMatMul', ins, { ...(core as Node<'matMul'>).attrs, activation })
}

/** A fused node with its activation replaced. */
const withActivation = (f: Node, activation: Activation): Node =>
  f.op === 'fusedConv2d'
    ? mk('fusedConv2d', f.inputs, { ...(f as Node<'fusedConv2d'>).attrs, activation })
    : mk('fusedMatMul', f.inputs, { ...(f as Node<'fusedMatMul'>).attrs, activation })

const isLinearFused = (n: Node): boolean =>
  (n.op === 'fusedConv2d' || n.op === 'fusedMatMul') && (n.attrs as { activation: Activation }).activation === 'linear'

/**
 * Fuses bias adds and supported activations into conv2d (NHWC) and matMul.
 *
 * @example
 * fusion(tfjsFusion)([sigmoid(add(matMul(x, w), b))]) // [fusedMatMul[activation=sigmoid] x w b]
 */
export const fusion =
  (options: FusionOptions = tfjsFusion): Pass =>
  (roots) => {
    if (!options.activations.includes('linear')) return [...roots]
    const users = userCounts(roots)
    const single = (old: Node): boolean => users.get(old) === 1
    return rewrite(roots, (n, ins) => {
      if (n.op === 'add' && ins.length === 2) {
        for (const [k, core] of ins.entries()) {
          const bias = asBias(core, ins[1 - k]!)
          if (fusable(core) && single(n.inputs[k]!) && bias && n.shape.length === core.shape.length) return fuse(core, bias, 'linear')
        }
      }
      if (activationOps.has(n.op) && options.activations.includes(n.op as Activation) && single(n.inputs[0]!)) {
        const x = ins[0]!
        if (isLinearFused(x)) return withActivation(x, n.op as Activation)
        if (fusable(x)) return fuse(x, undefined, n.op as Activation)
      }
      return rebuild(n, ins)
    })
  }
