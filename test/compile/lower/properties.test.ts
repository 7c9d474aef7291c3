/**
 * Random graphs (test/support/arbitraries.ts) and their gradients, optimized for the backend and lowered,
 * give the reference interpreter's values on the unoptimized graph. Every drawn graph is differentiated
 * (w.r.t. its input and params); autodiff failing fails the property.
 */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { fusedActivations } from '../../../src/compile/lower.js'
import { optimize } from '../../../src/compile/pipeline.js'
import { printGraph } from '../../../src/compile/print.js'
import type { Node } from '../../../src/dsl/node.js'
import { graphArb } from '../../support/arbitraries.js'
import { BACKENDS, useBackend } from '../../support/backends.js'
import { expectOutputsClose } from '../../support/close.js'
import { hostFeeds } from '../../support/feeds.js'
import { lossAndGradients } from '../../support/gradients.js'
import { reference, runLowered } from './support.js'

/** The roots, the mean of all outputs, and its gradients. */
const withGradients = (roots: readonly Node[]): Node[] => [...roots, ...lossAndGradients(roots)]

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
