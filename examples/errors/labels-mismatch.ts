// expect line 4: ShapeError: crossEntropy expects labels [256] but got [128]
import { F, input, intInput } from '../../src/dsl/index.js'

export const loss = F.crossEntropy(input('logits', [256, 10]), intInput('y', [128]))
