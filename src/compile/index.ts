/** The typegrad compiler: print, check, optimize, differentiate, interpret and lower IR graphs. */
export { type Graph, graphOf, rewrite, rewriteGraph, substitute } from './graph.js'
export { printGraph, opCounts } from './print.js'
export { checkGraph, type CheckError } from './check.js'
export { optimize, defaultPasses, type PassName, type OptimizeOptions } from './pipeline.js'
export { grad, valueAndGrad, tryGrad, GradError, gradRules } from './autodiff.js'
export { interpret, InterpretError, type InterpretEnv } from './interpret.js'
export { lower, lowerings, fusionPlan, LowerError, type LoweredFunction, type Feeds } from './lower.js'
export { compileTraining, TrainCompileError, type TrainProgram, type TrainProgramSpec } from './train.js'
