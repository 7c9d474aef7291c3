// expect line 4: ShapeError: maxPool2d window 3 is larger than the padded input 2
import { maxPool2d, sequential } from '../../src/dsl/index.js'

export const model = sequential(['N', 8, 2, 2], maxPool2d({ kernel: 3 }))
