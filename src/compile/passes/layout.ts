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
 * batchNormInfer and channelStat (axis renumbered) and broadcastTo keep the permuted layout. Dropout
 * does not: its mask is drawn in the model's own element order.
 * Running the pass twice is the identity (NHWC ops are left alone).
 *
 * This file is only the driver: how each op is rebuilt is its module's `layout` rule (src/ops), with the
 * forms and shared rules in src/ops/shared/layout*.ts.
 */
import { type Node, topo } from '../../dsl/node.js'
import { impl } from '../../ops/index.js'
import type { Get, Placed } from '../../ops/shared/layout.js'
import { original } from '../../ops/shared/layout-forms.js'
import type { Pass } from './rewrite.js'

/**
 * Assigns NHWC layouts (see the module comment). Roots keep their original shapes and values.
 *
 * @example
 * layout([lenet(input('x', ['N', 1, 28, 28])).node]) // conv2d[layout=NHWC] ..., no transposes between layers
 */
export const layout: Pass = (roots) => {
  const done = new Map<Node, Placed>()
  const get: Get = (n) => done.get(n)!
  for (const n of topo(roots)) done.set(n, impl(n.op).layout(n, get))
  return roots.map((r) => original(get(r)))
}
