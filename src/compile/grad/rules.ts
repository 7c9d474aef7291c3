/**
 * The reverse-mode rule of every op, assembled from the per-family files (named as src/dsl/rules/ is);
 * typed so that a new op without a gradient rule (or an explicit `noGrad`) is a compile error.
 */
import type { Op } from '../../dsl/ops.js'
import { type GradRule, leafGrad } from './common.js'
import { elementwiseGrads } from './elementwise.js'
import { imageGrads } from './image.js'
import { nnGrads } from './nn.js'
import { structureGrads } from './structure.js'

/** The gradient rule of each op. */
export const gradRules = {
  input: leafGrad,
  param: leafGrad,
  fill: leafGrad,
  ...elementwiseGrads,
  ...structureGrads,
  ...imageGrads,
  ...nnGrads,
} satisfies { [O in Op]: GradRule<O> }
