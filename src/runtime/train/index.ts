/**
 * Training: the d2l `train_ch6` loop as an fp-ts pipeline over a compiled training step.
 *
 * @example
 * import { compileTraining } from '../../compile/train.js'
 * const r = await train({ model: 'lenet', epochs: 10 })(defaultEnv(compileTraining, { log: console.log }))()
 */
export { train, defaultEnv, OUTPUT_FILES, type TrainEnv, type TrainReport } from './pipeline.js'
export { validateConfig, DEFAULTS, DEFAULT_RECIPE, OPTIMIZER_NAMES, flagName, type TrainConfig, type RawConfig, type Recipe, type OptimizerChoice } from './config.js'
export { type TrainError, type TrainErrorTag, type ConfigIssue, trainError } from './errors.js'
export { type Accumulator, accumulatorMonoid, hostAccumulator, deviceSum, averages, type Averages } from './metrics.js'
export { type Checkpoint, type RunIdentity, CHECKPOINT_FILE, CHECKPOINT_FORMAT, checkCheckpointParams, encodeCheckpoint, decodeCheckpoint, saveCheckpoint, loadCheckpoint } from './checkpoint.js'
export { type FileOps, nodeFileOps, writeAtomic, makeDirs, probeWritable, removeStaleTemps } from './atomicFile.js'
export { type EpochRecord, formatEpoch, formatFinal, formatThroughput, examplesPerSec, toJsonLines } from './history.js'
export { trainingSvg, trainingSpec, writeTrainingSvg, SERIES } from './plot.js'
export { type Progress, noProgress, barProgress } from './progress.js'
export { trainEpoch, evaluateSplit, type EpochPlan } from './epoch.js'
export { trainSpec, optimizerFor, flattenParams, checkData, type TrainSetup } from './model.js'
export type { TrainProgram, TrainProgramSpec, ProgramState, StepMetrics, CompileTraining } from './contract.js'
