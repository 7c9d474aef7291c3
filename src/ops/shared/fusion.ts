/**
 * What an op tells the fusion pass (src/compile/passes/fusion.ts), which turns conv2d / matMul + bias add
 * + activation into one fused kernel. Most ops play no part; those that do declare their role.
 */
import type { Node } from '../../ir/node.js'
import type { Op } from '../../ir/ops.js'
import type { Activation } from './attrs.js'

/**
 * An op's part in bias/activation fusion:
 * - 'core': a conv or matMul that can absorb a bias and an activation (`fuse` gives the fused node, or
 *   undefined when this node cannot be fused, e.g. an NCHW conv: tfjs fuses NHWC only);
 * - 'fused': a fused node, whose activation can still be set while it is 'linear';
 * - 'activation': an activation a fused kernel can run;
 * - 'biasAdd': the op that adds a bias.
 *
 * @example fusion: { role: 'activation', activation: 'relu' }
 */
export type FusionRole<O extends Op> =
  | { readonly role: 'core'; readonly fuse: (core: Node<O>, bias: Node | undefined, activation: Activation) => Node | undefined }
  | { readonly role: 'fused'; readonly activation: (n: Node<O>) => Activation; readonly withActivation: (n: Node<O>, activation: Activation) => Node }
  | { readonly role: 'activation'; readonly activation: Activation }
  | { readonly role: 'biasAdd' }
