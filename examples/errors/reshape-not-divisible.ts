// expect line 5: ShapeError: reshape cannot turn [N, 3, 5] (15*N elements) into [-1, 4]
// With a symbolic batch the -1 is computed in the types: 15*N elements do not fill rows of 4 for every N.
import { F, input } from '../../src/dsl/index.js'

export const bad = F.reshape(input('x', ['N', 3, 5]), [-1, 4])
