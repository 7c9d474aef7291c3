/**
 * Gradient graphs for property tests: the mean of all outputs as a loss, differentiated w.r.t. every
 * float leaf (the data input and the params). Autodiff failing is a test failure, never a skip.
 */
import { grad } from '../../src/compile/autodiff.js'
import { graphOf } from '../../src/compile/graph.js'
import { type Node, mk } from '../../src/dsl/node.js'

/** The sum of the means of `roots`: a scalar depending on every output. */
export const meanLoss = (roots: readonly Node[]): Node =>
  roots.map((r): Node => mk('mean', [r], { axes: r.shape.map((_, i) => i), keepDims: false })).reduce((a, b) => mk('add', [a, b], {}))

/** The float leaves (inputs first, then params) of the graph of `roots`. */
export const floatLeaves = (roots: readonly Node[]): Node[] => {
  const g = graphOf(roots)
  return [...g.inputs, ...g.params].filter((n) => n.dtype === 'float32')
}

/**
 * `[loss, ...gradients]` for `meanLoss(roots)` w.r.t. every float leaf; throws (failing the property)
 * when autodiff cannot differentiate the graph.
 */
export const lossAndGradients = (roots: readonly Node[]): Node[] => {
  const loss = meanLoss(roots)
  return [loss, ...grad(loss, floatLeaves([loss]))]
}
