/**
 * The compiled training step as the training loop sees it (the contract in notes/train-api.md, implemented by
 * `compileTraining` in src/compile/train.ts). The loop depends only on these types and takes the compiler from
 * its environment, so it runs the same with the real compiler or a test double.
 */
import type { compileTraining } from '../../compile/train.js'

export type { TrainProgramSpec, TrainProgram, ProgramState, StepMetrics } from '../../compile/train.js'

/** `compileTraining`'s signature; the training pipeline takes it from its environment. */
export type CompileTraining = typeof compileTraining
