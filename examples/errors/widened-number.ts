// expect line 6: ShapeError: linear in_features must be a number literal, not `number` (write mul(16, 5, 5), not 16 * 5 * 5)
// type-only: at run time 16 * 5 * 5 is a fine 400; the types cannot check it.
// TypeScript types 16 * 5 * 5 as `number`, which cannot be checked; mul(16, 5, 5) has the literal type 400.
import { flatten, linear, sequential } from '../../src/dsl/index.js'

export const model = sequential(['N', 16, 5, 5], flatten(), linear(16 * 5 * 5, 120))
