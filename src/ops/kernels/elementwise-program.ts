/**
 * Elementwise programs: a chain of elementwise ops over same-shaped tensors (and scalars) run as one
 * SIMD pass on wasm (simd/program-kernel.ts), each input read and each output written once. The
 * lowering's elementwise fusion (src/ops/shared/elementwise-fusion.ts) builds them; an optimizer's update
 * (Adam: ~14 ops per parameter) becomes one kernel per parameter.
 */
import * as tf from '@tensorflow/tfjs-core'
import { ELEMENTWISE_PROGRAM, PROGRAM_MAX_INPUTS } from './simd/program-kernel.js'
import { onWasm, runHeapKernel } from './wasm-heap.js'

/** The instructions of a program and their opcodes in assembly/program.ts. */
export const PROGRAM_OPCODES = { add: 1, sub: 2, mul: 3, div: 4, neg: 5, sqrt: 6, square: 7 } as const
/** One instruction of a program. */
export type ProgramOp = keyof typeof PROGRAM_OPCODES

/** An operand: a full-size input, a scalar input, or an earlier instruction's result (all 0-based). */
export type ProgramOperand = { readonly input: number } | { readonly scalar: number } | { readonly step: number }

/** A program: `inputs` full-size tensors and `scalars` one-element tensors in, the results of the `outputs` steps out. */
export interface ElementwiseProgram {
  readonly inputs: number
  readonly scalars: number
  readonly steps: readonly { readonly op: ProgramOp; readonly args: readonly ProgramOperand[] }[]
  readonly outputs: readonly number[]
}

/** The most instructions one program runs (its registers live in L1: 256 floats each). */
export const PROGRAM_MAX_STEPS = 40

/** Whether `p` fits the kernel's limits. */
export const programFits = (p: ElementwiseProgram): boolean => p.inputs + p.scalars <= PROGRAM_MAX_INPUTS && p.steps.length <= PROGRAM_MAX_STEPS && p.outputs.length > 0

/** The i32 encoding assembly/program.ts reads: header, (op, dst, a, b) per step, output registers. */
export const encodeProgram = (p: ElementwiseProgram): number[] => {
  const reg = (o: ProgramOperand): number => ('input' in o ? o.input : 'scalar' in o ? -1 - o.scalar : p.inputs + o.step)
  const code = p.steps.flatMap((s, i) => [PROGRAM_OPCODES[s.op], p.inputs + i, reg(s.args[0]!), s.args[1] ? reg(s.args[1]) : 0])
  return [p.inputs, p.scalars, p.steps.length, p.outputs.length, ...code, ...p.outputs.map((o) => p.inputs + o)]
}

/** The program's results on any backend, one tfjs op per step (the reference, and the path off wasm). */
const composed = (p: ElementwiseProgram, full: readonly tf.Tensor[], scalars: readonly tf.Tensor[], shape: readonly number[]): tf.Tensor[] =>
  tf.tidy(() => {
    const results: tf.Tensor[] = []
    const value = (o: ProgramOperand) => ('input' in o ? full[o.input]! : 'scalar' in o ? scalars[o.scalar]! : results[o.step]!)
    for (const s of p.steps) {
      const [a, b] = s.args.map(value)
      results.push(
        s.op === 'neg' ? tf.neg(a!) : s.op === 'sqrt' ? tf.sqrt(a!) : s.op === 'square' ? tf.square(a!) : s.op === 'add' ? tf.add(a!, b!) : s.op === 'sub' ? tf.sub(a!, b!) : s.op === 'mul' ? tf.mul(a!, b!) : tf.div(a!, b!),
      )
    }
    return p.outputs.map((o) => tf.broadcastTo(results[o]!, [...shape]))
  })

/**
 * Runs `p` over `full` (same shape S each) and `scalars` (one element each): one tensor of shape `shape`
 * (S, or the scalars' shape when there is no full input) per output. One SIMD pass on wasm, a tfjs op per
 * step elsewhere.
 * @example runElementwiseProgram({ inputs: 2, scalars: 1, steps: [{ op: 'mul', args: [{ scalar: 0 }, { input: 1 }] }, { op: 'sub', args: [{ input: 0 }, { step: 0 }] }], outputs: [1] }, [p, g], [lr], [120, 400]) // [p - lr * g]
 */
export function runElementwiseProgram(p: ElementwiseProgram, full: readonly tf.Tensor[], scalars: readonly tf.Tensor[], shape: readonly number[]): tf.Tensor[] {
  const floats = [...full, ...scalars].every((t) => t.dtype === 'float32') && scalars.every((t) => t.size === 1)
  if (!onWasm() || !floats || !programFits(p) || shape.some((d) => d === 0)) return composed(p, full, scalars, shape)
  const inputs = Object.fromEntries([...full, ...scalars].map((t, i) => [`x${i}`, t]))
  return runHeapKernel(ELEMENTWISE_PROGRAM, inputs, { program: encodeProgram(p), shape: [...shape] })
}
