// expect line 4: ShapeError: add cannot broadcast [N, 3] with [4]
import { F, input } from '../../src/dsl/index.js'

export const bad = F.add(input('a', ['N', 3]), input('b', [4]))
