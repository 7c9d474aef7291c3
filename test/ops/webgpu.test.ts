/**
 * The F ops lowered for webgpu compute what they compute on cpu: one graph through every op of `F` (batched
 * matmul, transpose, reshape, concat, slice, pad, gelu, softmax on an axis, layerNorm, embedding, axis
 * reductions, argmax, dropout with a key) and the gradients of its loss w.r.t. every parameter, lowered and
 * run on webgpu (Dawn; Mesa's lavapipe where there is no GPU) and on cpu. Skipped, with the reason printed,
 * where Dawn finds no adapter (`.ci/install-lavapipe.sh` installs one; CI runs it).
 */
import * as tf from '@tensorflow/tfjs-core'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import { grad } from '../../src/compile/autodiff.js'
import { lower } from '../../src/compile/lower.js'
import { optimize } from '../../src/compile/pipeline.js'
import { F, expr, input, intInput, key, mk, type Expr } from '../../src/dsl/index.js'
import type { Node } from '../../src/dsl/node.js'
import { selectBackend } from '../../src/runtime/backends/select.js'
import type { BackendName } from '../../src/runtime/backends/types.js'
import { releaseWebGpu, webgpuUnavailableReason } from '../../src/runtime/backends/webgpu.js'
import { expectOutputsClose } from '../support/close.js'
import { hostFeeds } from '../support/feeds.js'

const unavailable = await webgpuUnavailableReason()
if (unavailable !== undefined) console.log(`webgpu op tests skipped: ${unavailable}`)

const param = <const S extends readonly number[]>(name: string, shape: S): Expr<S> =>
  expr(mk('param', [], { name, init: 'zeros', fanIn: 1, fanOut: 1 }, shape, 'float32'))

const x = input('x', [2, 3, 4])
const tokens = intInput('tok', [2, 3])
const w = param('w', [4, 5])
const gamma = param('gamma', [22])
const beta = param('beta', [22])
const table = param('table', [10, 22])
const a = F.matmul(x, w) // [2, 3, 5]
const b = F.reshape(F.transpose(a, [0, 2, 1]), [2, 15])
const c = F.pad(F.slice(F.concat([b, b], 1), [0, 2], [2, 20]), [[0, 0], [1, 1]]) // [2, 22]
const d = F.layerNorm(F.softmax(F.gelu(c), 1), gamma, beta)
const h = F.add(F.dropout(d, 0.25, 'drop'), F.sum(F.embedding(table, tokens), [1])) // [2, 22]
const loss = F.add(F.mean(F.mul(h, h)), F.sum(F.max(h, [1], true)))
const params: Node[] = [w.node, gamma.node, beta.node, table.node]
const roots = [loss.node, F.argmax(h, 1).node, ...grad(loss.node, params)]

/** The graph's outputs on `backend`, as host arrays (webgpu reads back with `await data()`). */
const run = async (backend: BackendName) => {
  const selected = await selectBackend(backend)()
  if (E.isLeft(selected)) throw new Error(selected.left.message)
  const host = hostFeeds(roots, 2, 5, 10)
  const t = (v: (typeof host.inputs)[string]) => tf.tensor(v.data, v.shape, v.dtype)
  const feeds = {
    inputs: Object.fromEntries(Object.entries(host.inputs).map(([k, v]) => [k, t(v)])),
    params: Object.fromEntries(Object.entries(host.params).map(([k, v]) => [k, t(v)])),
    key: key(7),
  }
  const f = lower(optimize(roots), { backend })
  const outs = f(feeds)
  const got = await Promise.all(outs.map(async (o) => ({ shape: o.shape, data: Array.from(await o.data()) })))
  tf.dispose([...outs, ...Object.values(feeds.inputs), ...Object.values(feeds.params)])
  f.dispose()
  return got
}

describe('F ops on webgpu', () => {
  afterAll(() => releaseWebGpu())

  it.skipIf(unavailable !== undefined)('every F op and its gradient computes on webgpu what it computes on cpu', async () => {
    const reference = await run('cpu')
    const gpu = await run('webgpu')
    expect(reference.map((r) => r.shape)).toEqual([[], [2], [4, 5], [22], [22], [10, 22]])
    // the gradients are not all zero: the graph really reaches every parameter
    for (const g of reference.slice(2)) expect(g.data.some((v) => v !== 0)).toBe(true)
    expectOutputsClose(gpu, reference, 'webgpu vs cpu', 2e-3, 2e-4, ['webgpu', 'cpu'])
  })
})
