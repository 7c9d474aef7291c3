/** Every pass, and the whole pipeline, keeps the values of random graphs and their gradients. */
import fc from 'fast-check'
import { beforeAll, describe, it } from 'vitest'
import { cse } from '../../../src/compile/passes/cse.js'
import { dce } from '../../../src/compile/passes/dce.js'
import { fold } from '../../../src/compile/passes/fold.js'
import { fusion, tfjsFusion } from '../../../src/compile/passes/fusion.js'
import { layout } from '../../../src/compile/passes/layout.js'
import type { Pass } from '../../../src/compile/passes/rewrite.js'
import { simplify } from '../../../src/compile/passes/simplify.js'
import { optimize } from '../../../src/compile/pipeline.js'
import type { Node } from '../../../src/dsl/node.js'
import { graphArb } from '../../support/arbitraries.js'
import { lossAndGradients } from '../../support/gradients.js'
import { useCpu } from '../support.js'
import { expectPassPreserves, expectValid } from './semantics.js'

beforeAll(useCpu)

const passes: readonly [string, Pass][] = [
  ['simplify', simplify],
  ['fold', fold],
  ['layout', layout],
  ['fusion', fusion(tfjsFusion)],
  ['fusion after layout', (r) => fusion({ activations: ['linear', 'relu', 'sigmoid', 'tanh'] })(layout(r))],
  ['cse', cse],
  ['dce', dce],
  ['pipeline', (r) => optimize(r)],
]

describe('passes keep the values of random graphs', () => {
  it('the arbitrary builds valid graphs', () => {
    fc.assert(fc.property(graphArb(), (g) => expectValid(g.roots, g.recipe.join('\n'))), { numRuns: 50 })
  })
  for (const [name, pass] of passes)
    it(name, () => {
      fc.assert(fc.property(graphArb(), (g) => void expectPassPreserves(pass, g.roots, g.recipe.join('\n'))), { numRuns: 40 })
    })
})

describe('the pipeline keeps the values of gradient graphs', () => {
  // every drawn graph is differentiated (w.r.t. its input and params, so there is always something to
  // differentiate); autodiff failing fails the property
  it('loss = mean of the outputs, gradients w.r.t. the input and all params', () => {
    fc.assert(
      fc.property(graphArb(8), (g) => {
        const roots = lossAndGradients(g.roots)
        for (const pass of [layout, (r: readonly Node[]) => optimize(r)]) expectPassPreserves(pass, roots, g.recipe.join('\n'))
      }),
      { numRuns: 30 },
    )
  })
})
