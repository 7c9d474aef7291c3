/**
 * ONNX export of a model's inference graph: the graph is rewritten to its inference form (batch norm
 * over running statistics, dropout removed), every node becomes ONNX nodes by its rule (rules.ts),
 * params become initializers, and the result is an ONNX ModelProto (default opset 17) that ONNX
 * Runtime, Netron or PyTorch's tooling can read. Symbolic input dims ('N') become named dims, so the
 * exported model takes any batch size.
 */
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { graphOf } from '../../compile/graph.js'
import { inferenceForm } from '../../compile/modes.js'
import { type Node, topo } from '../../dsl/node.js'
import type { Op } from '../../dsl/ops.js'
import { showShape } from '../../dsl/shape.js'
import type { Tensor } from '../../dsl/tensor.js'
import { writeAtomic } from '../train/atomicFile.js'
import { GraphBuilder, onnx, valueInfo } from './builder.js'
import { ExportError } from './errors.js'
import { type OnnxRule, onnxRules } from './rules.js'

/** Options of {@link onnxModelProto} and {@link exportOnnx}. */
export interface ExportOptions {
  /** The default ONNX opset (17) or another in 13..21. */
  readonly opset?: number
  /** The graph input's name (default: the input leaf's name, e.g. 'x'). */
  readonly inputName?: string
  /** The graph output's name (default 'output'). */
  readonly outputName?: string
  /** ModelProto.producer_name (default 'typegrad'). */
  readonly producer?: string
}

/** The opset exports use unless told otherwise. */
export const DEFAULT_OPSET = 17
const MIN_OPSET = 13
const MAX_OPSET = 21
/** The IR version that ships with each opset (onnx/docs/Versioning.md), so strict checkers accept the pair. */
const irVersionOf = (opset: number): number => (opset <= 14 ? 7 : opset <= 18 ? 8 : opset <= 20 ? 9 : 10)

const fail = (message: string, node?: Node): E.Either<ExportError, never> => E.left(new ExportError(message, node))

/** Every param leaf has a value of its shape (params are fully known shapes). */
const checkParams = (leaves: readonly Node<'param'>[], params: Readonly<Record<string, Tensor>>): E.Either<ExportError, void> => {
  for (const p of leaves) {
    const name = p.attrs.name
    const t = params[name]
    if (t === undefined) return fail(`no value for param '${name}' ${showShape(p.shape)}`, p)
    const same = t.shape.length === p.shape.length && t.shape.every((d, i) => d === p.shape[i])
    if (!same) return fail(`param '${name}' has shape ${showShape(t.shape)} but the graph needs ${showShape(p.shape)}`, p)
    const n = p.shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : NaN), 1)
    if (Number.isNaN(n)) return fail(`param '${name}' has a symbolic shape ${showShape(p.shape)}`, p)
    if (t.data.length !== n) return fail(`param '${name}' ${showShape(t.shape)} holds ${t.data.length} values instead of ${n}`, p)
  }
  return E.right(undefined)
}

/**
 * The ONNX ModelProto bytes of the inference graph of `output`, a float32 value computed from one
 * float32 or int32 (token ids) `input` leaf (any rank; symbolic dims become ONNX dim_params) and param leaves whose values
 * `params` holds by leaf name (buffers such as '1.runningMean' included; extra entries are ignored).
 * Left when an op cannot be exported (a loss, a gradient primitive), a param is missing or misshaped,
 * or the graph is not one input to one output.
 *
 * @example
 * const logits = lenet(input('x', ['N', 1, 28, 28])).node      // [N, 1, 28, 28] -> [N, 10]
 * const bytes = onnxModelProto(logits, flattenParams(lenet.init(key(0))))
 * // Right(Uint8Array): ONNX input 'x' [N, 1, 28, 28], output 'output' [N, 10], opset 17
 */
export const onnxModelProto = (
  output: Node,
  params: Readonly<Record<string, Tensor>>,
  opts: ExportOptions = {},
): E.Either<ExportError, Uint8Array> => {
  const opset = opts.opset ?? DEFAULT_OPSET
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET)
    return fail(`cannot export to opset ${opset}: supported opsets are ${MIN_OPSET}..${MAX_OPSET}`)
  // an int32 output: indices (argmax)
  if (output.dtype !== 'float32' && output.dtype !== 'int32') return fail(`cannot export a ${output.dtype} output: only float32 and int32 outputs are supported`, output)
  const root = inferenceForm([output])[0]!
  const g = graphOf([root])
  const x = g.inputs[0]
  if (g.inputs.length !== 1 || x === undefined) {
    const found = g.inputs.map((i) => `'${i.attrs.name}' (${i.dtype})`).join(', ') || 'none'
    return fail(`cannot export a graph with inputs ${found}: it must read exactly one input (a loss also reads labels; export the logits)`)
  }
  const paramNames = g.params.map((p) => p.attrs.name)
  const inputName = opts.inputName ?? x.attrs.name
  const outputName = opts.outputName ?? 'output'
  if (paramNames.includes(inputName)) return fail(`the input name '${inputName}' is also a param's name`)
  if (paramNames.includes(outputName) || outputName === inputName) return fail(`the output name '${outputName}' is already the name of an input or param`)
  return pipe(
    checkParams(g.params, params),
    E.chain(() => {
      const b = new GraphBuilder(opset, { name: inputName, shape: x.shape }, [inputName, outputName, ...paramNames])
      const values = new Map<number, string>()
      for (const node of topo([root])) {
        b.at(`${node.op}_${node.id}`)
        const rule = onnxRules[node.op] as OnnxRule<Op>
        const v = rule(
          node.inputs.map((i) => values.get(i.id)!),
          node.attrs,
          { node, b, params },
        )
        if (E.isLeft(v)) return v
        values.set(node.id, v.right)
      }
      b.finish(values.get(root.id)!, outputName)
      return E.right(b)
    }),
    E.chain((b) =>
      E.tryCatch(
        () =>
          onnx.ModelProto.encode(
            onnx.ModelProto.create({
              irVersion: irVersionOf(opset),
              producerName: opts.producer ?? 'typegrad',
              opsetImport: [{ domain: '', version: opset }],
              graph: {
                name: 'typegrad',
                node: b.nodes,
                initializer: b.initializers,
                input: [valueInfo(inputName, x.shape, x.dtype)],
                output: [valueInfo(outputName, root.shape, root.dtype)],
              },
            }),
          ).finish(),
        (e) => new ExportError(`cannot encode the ONNX model: ${e instanceof Error ? e.message : String(e)}`),
      ),
    ),
  )
}

/**
 * Writes the ONNX model of `output` (see {@link onnxModelProto}) to `path`, atomically: a temp file in the
 * same directory renamed over `path`, so a reader never sees half a model. Nothing happens until the task runs.
 *
 * @example
 * const r = await exportOnnx(lenet(input('x', ['N', 1, 28, 28])).node, params, 'out/lenet.onnx')()
 * // Right({ path: 'out/lenet.onnx', bytes: 249... })
 */
export const exportOnnx = (
  output: Node,
  params: Readonly<Record<string, Tensor>>,
  path: string,
  opts: ExportOptions = {},
): TE.TaskEither<ExportError, { readonly path: string; readonly bytes: number }> =>
  pipe(
    // an IOEither (a thunk), so the model is built when the task runs, not when it is made
    TE.fromIOEither(() => onnxModelProto(output, params, opts)),
    TE.chain((bytes) =>
      pipe(
        writeAtomic(path, bytes),
        TE.mapLeft((e) => new ExportError(`cannot write ${path}: ${e.message}`)),
        TE.map(() => ({ path, bytes: bytes.length })),
      ),
    ),
  )
