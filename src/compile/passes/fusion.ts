/**
 * Fusion: conv2d / matMul + bias add + activation -> fusedConv2d / fusedMatMul, one kernel instead of
 * three. Which activations fuse depends on the backend's fused kernels (`FusionOptions`); the others stay
 * separate ops after a bias-only ('linear') fused node.
 *
 * A piece is fused only when nothing else needs the value it hides: the conv/matMul result must have the
 * bias add as its only user, and the pre-activation sum must have the activation as its only user. The
 * activation's own output is the fused node, so gradients that read the output (sigmoidGrad(y, dy),
 * reluGrad, tanhGrad) still find it. Which ops are cores, fused nodes, activations and the bias add is
 * each op's declared `fusion` role (e.g. only NHWC convs are cores: tfjs's fused conv2d supports NHWC
 * only, so run the layout pass first).
 */
import type { Node } from '../../dsl/node.js'
import type { Activation } from '../../dsl/ops.js'
import { impl } from '../../ops/index.js'
import { reshapeTo } from '../../ops/shared/layout-forms.js'
import { rebuild, rewrite } from '../graph.js'
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

/** `b` as a rank-1 bias [C] when adding it to `core` only adds along the last axis (shapes [C], [1,C], [1,1,1,C]). */
const asBias = (core: Node, b: Node): Node | undefined => {
  const c = core.shape[core.shape.length - 1]
  const s = b.shape
  const fits = s.length >= 1 && s.length <= core.shape.length && s[s.length - 1] === c && s.slice(0, -1).every((d) => d === 1)
  return fits && b.dtype === 'float32' ? reshapeTo(b, [c!]) : undefined
}

const roleOf = (n: Node) => impl(n.op).fusion

/** The fused form of `core` with `bias` and `activation`, when `core` is a fusable conv or matMul. */
const fuse = (core: Node, bias: Node | undefined, activation: Activation): Node | undefined => {
  const role = roleOf(core)
  return role?.role === 'core' ? role.fuse(core, bias, activation) : undefined
}

/** `n`'s activation if it is an activation op. */
const activationOf = (n: Node): Activation | undefined => {
  const role = roleOf(n)
  return role?.role === 'activation' ? role.activation : undefined
}

/** A fused node with activation 'linear' given `activation` instead, or undefined for any other node. */
const activateFused = (n: Node, activation: Activation): Node | undefined => {
  const role = roleOf(n)
  return role?.role === 'fused' && role.activation(n) === 'linear' ? role.withActivation(n, activation) : undefined
}

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
      if (roleOf(n)?.role === 'biasAdd' && ins.length === 2) {
        for (const [k, core] of ins.entries()) {
          const bias = asBias(core, ins[1 - k]!)
          const fused = single(n.inputs[k]!) && bias && n.shape.length === core.shape.length ? fuse(core, bias, 'linear') : undefined
          if (fused) return fused
        }
      }
      const activation = activationOf(n)
      if (activation && options.activations.includes(activation) && single(n.inputs[0]!)) {
        const x = ins[0]!
        const fused = activateFused(x, activation) ?? fuse(x, undefined, activation)
        if (fused) return fused
      }
      return rebuild(n, ins)
    })
  }
