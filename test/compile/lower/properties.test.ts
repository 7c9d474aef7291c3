/**
 * Random graphs (test/support/arbitraries.ts) and their gradients, optimized for the backend and lowered,
 * give the reference interpreter's values on the unoptimized graph.
 */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { tryGrad } from '../../../src/compile/autodiff.js'
import { graphOf } from '../../../src/compile/graph.js'
import { fusedActivations } from '../../../src/compile/lower.js'
import { optimize } from '../../../src/compile/pipeline.js'
import { printGraph } from '../../../src/compile/print.js'
import { type Node, mk } from '../../../src/dsl/node.js'
import { graphArb } from '../../support/arbitraries.js'
import { BACKENDS, expectOutputsClose, hostFeeds, reference, runLowered, useBackend } from './support.js'

/** The roots plus, when autodiff handles the graph, the gradients of the mean of all outputs. */
const withGradients = (roots: readonly Node[]): Node[] => {
  const loss = roots.map((r): Node => mk('mean', [r], { axes: r.shape.map((_, i) => i), keepDims: false })).reduce((a, b) => mk('add', [a, b], {}))
  const grads = tryGrad(loss, graphOf([loss]).params)
  return grads._tag === 'Right' ? [...roots, ...grads.right] : [...roots]
}

describe.each(BACKENDS)('random graphs lowered on %s', (backend) => {
  it('optimized + lowered == interpreter (forward and gradients)', async () => {
    await fc.assert(
      fc.asyncProperty(graphArb(10), async (g) => {
        const roots = withGradients(g.roots)
        const h = hostFeeds(roots, g.batch, 7)
        const want = await reference(roots, h)
        await useBackend(backend)
        const graph = optimize(roots, { fusion: { activations: fusedActivations(backend) } })
        expectOutputsClose(runLowered(graph, h), want, `${g.recipe.join('\n')}\n${printGraph(graph)}`, 2e-3, 5e-4)
      }),
      { numRuns: 40 },
    )
  })
})
