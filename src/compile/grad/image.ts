/**
 * Gradient rules of conv2d, pooling and the fused conv. They emit the gradient primitives
 * (conv2dInputGrad, conv2dFilterGrad, avgPool2dGrad, maxPool2dGrad), which each backend lowers to its
 * own kernels; the primitives themselves have no rules (no second derivatives yet).
 */
import { type Node, mk } from '../../dsl/node.js'
import type { ConvAttrs } from '../../dsl/ops.js'
import { type GradRule, activationGrad, convAttrs, noGrad, sum } from './common.js'

/** dx and dfilter of conv2d(x, filter) with output gradient `dy`. */
const convGrads = (x: Node, f: Node, dy: Node, a: ConvAttrs, need: readonly boolean[]): (Node | undefined)[] => [
  need[0] ? mk('conv2dInputGrad', [dy, f], { ...convAttrs(a), inputShape: x.shape }) : undefined,
  need[1] ? mk('conv2dFilterGrad', [x, dy], { ...convAttrs(a), filterShape: f.shape }) : undefined,
]

const secondOrder = noGrad('second derivatives of convolutions and pooling are not supported')

/** The gradient rules of the image ops and their gradient primitives. */
export const imageGrads = {
  conv2d: (y, dy, need) => convGrads(y.inputs[0]!, y.inputs[1]!, dy, y.attrs, need),
  fusedConv2d: (y, dy, need) => {
    const [x, f, bias] = y.inputs
    const dz = activationGrad(y.attrs.activation, y, dy)
    // the bias [C] is added along the channel axis: sum over N, H, W
    const dBias = bias && need[2] ? [sum(dz, y.attrs.layout === 'NCHW' ? [0, 2, 3] : [0, 1, 2], false)] : []
    return [...convGrads(x!, f!, dz, y.attrs, need), ...dBias]
  },
  avgPool2d: (y, dy) => [mk('avgPool2dGrad', [dy], { ...y.attrs, inputShape: y.inputs[0]!.shape })],
  maxPool2d: (y, dy) => [mk('maxPool2dGrad', [dy, y.inputs[0]!, y], y.attrs)],
  conv2dFilterGrad: secondOrder,
  conv2dInputGrad: secondOrder,
  avgPool2dGrad: secondOrder,
  maxPool2dGrad: secondOrder,
} satisfies {
  [O in 'conv2d' | 'fusedConv2d' | 'avgPool2d' | 'maxPool2d' | 'conv2dFilterGrad' | 'conv2dInputGrad' | 'avgPool2dGrad' | 'maxPool2dGrad']: GradRule<O>
}
