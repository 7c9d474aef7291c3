/**
 * Training and inference forms of a model's graph, as PyTorch's `train()` / `eval()`.
 * The graph a model builds is its training form: batch norm normalizes with the batch's statistics and
 * dropout draws a mask from the call's key. `inferenceForm` rewrites it for evaluation and prediction,
 * each op as its module says (`inference`): every batch norm that has running statistics becomes
 * `batchNormInfer` over them, and every dropout becomes the identity, so an example's output does not
 * depend on the rest of its batch.
 */
import type { Node } from '../dsl/node.js'
import { impl } from '../ops/index.js'
import { rebuild, rewrite } from './graph.js'

/**
 * `roots` in inference form (batch norm over running statistics, dropout removed).
 *
 * @example
 * const [logits] = inferenceForm([lenetModern(input('x', ['N', 1, 28, 28])).node])
 * topo([logits]).some((n) => n.op === 'batchNorm') // false
 */
export const inferenceForm = (roots: readonly Node[]): Node[] => rewrite(roots, (n, ins) => impl(n.op).inference?.(n, ins) ?? rebuild(n, ins))
