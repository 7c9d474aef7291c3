/**
 * Checkpoint validation: every damaged, truncated or edited checkpoint is a Left with one line naming the file
 * and what is wrong (never a throw), and reading leaves the file byte-identical. Two layers are exercised:
 * raw edits (caught by the checksum) and edits whose checksum was recomputed, as a buggy writer would make them
 * (caught by the structural validation, which names the field).
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Checkpoint,
  CHECKPOINT_FILE,
  canonicalJson,
  checkCheckpointParams,
  checkpointChecksum,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from '../../src/runtime/train/checkpoint.js'

const tensor = (shape: number[], f: (i: number) => number) => {
  const n = shape.reduce((a, d) => a * d, 1)
  return { shape, data: Float32Array.from({ length: n }, (_, i) => f(i)) }
}

const sample: Checkpoint = {
  epoch: 2,
  identity: { model: 'lenet', optimizer: 'sgd', lr: 0.9, lrDecay: 1, batchSize: 64, seed: 0, limit: 256, data: 'IDX files in /data' },
  program: {
    step: 8,
    params: { 'conv1.weight': tensor([2, 1, 3, 3], (i) => Math.sin(i) / 3), 'conv1.bias': tensor([2], (i) => i - 0.5), 'bn.runningMean': tensor([2], () => 0) },
    state: { 'conv1.weight.momentum': tensor([2, 1, 3, 3], (i) => i * 1e-3), scalar: tensor([], () => 7) },
  },
  history: [
    { epoch: 1, loss: 2.3, trainAcc: 0.1, testAcc: 0.12, examples: 256, seconds: 0.5 },
    { epoch: 2, loss: 1.9, trainAcc: 0.3, testAcc: 0.31, metrics: { f1: 0.2, 'test f1': 0.25 }, examples: 256, seconds: 0.4 },
  ],
}
const TEXT = encodeCheckpoint(sample)
const JSON0 = JSON.parse(TEXT) as Record<string, unknown>

let out: string
let file: string
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'typegrad-ckpt-'))
  file = join(out, CHECKPOINT_FILE)
})
afterAll(() => rm(out, { recursive: true, force: true }))

/** Writes `bytes` as the checkpoint, loads it, checks the file is untouched; returns the load result. */
const loadBytes = async (bytes: string | Uint8Array) => {
  await writeFile(file, bytes)
  const before = await readFile(file)
  const r = await loadCheckpoint(out)()
  expect(Buffer.compare(await readFile(file), before)).toBe(0)
  expect(await readdir(out)).toEqual([CHECKPOINT_FILE])
  return r
}

/** The one-line message of a rejected checkpoint; fails the test when it was accepted or badly worded. */
const rejected = async (bytes: string | Uint8Array): Promise<string> => {
  const r = await loadBytes(bytes)
  if (E.isRight(r)) throw new Error(`accepted a bad checkpoint: ${typeof bytes === 'string' ? bytes.slice(0, 200) : '<bytes>'}`)
  expect(r.left._tag).toBe('CheckpointUnreadable')
  expect(r.left.message.startsWith(`${file}: `)).toBe(true)
  expect(r.left.message).not.toMatch(/\n/)
  return r.left.message
}

const clone = (): Record<string, any> => JSON.parse(TEXT) as Record<string, any>
/** The JSON text of `j` with its checksum recomputed (a well-summed but invalid file). */
const resummed = (j: Record<string, unknown>): string => JSON.stringify({ ...j, checksum: checkpointChecksum(j) })
const why = (msg: string) => msg.slice(`${file}: cannot resume from this checkpoint (`.length, -1)

/** Every key path of a JSON value, as arrays of keys/indices (base64 strings excluded: they are leaves). */
const keyPaths = (v: unknown, at: (string | number)[] = []): (string | number)[][] => {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...at, i], ...keyPaths(x, [...at, i])])
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [[...at, k], ...keyPaths(x, [...at, k])])
  return []
}
const dropAt = (j: Record<string, any>, path: (string | number)[]) => {
  const parent = path.slice(0, -1).reduce((o: any, k) => o[k], j)
  const last = path[path.length - 1]!
  if (Array.isArray(parent)) parent.splice(last as number, 1)
  else delete parent[last]
  return j
}

describe('a sound checkpoint', () => {
  it('round-trips bit for bit and names its format and checksum', async () => {
    expect(JSON0['format']).toBe(2)
    expect(JSON0['checksum']).toMatch(/^sha256:[0-9a-f]{64}$/)
    const r = await loadBytes(TEXT)
    expect(E.isRight(r) && r.right).toEqual(sample)
  })

  it('round-trips any float32 bits (NaN payloads, -0, denormals) and any shape', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 4 }), fc.uint8Array({ maxLength: 4096 }), (shape, raw) => {
        const n = shape.reduce((a, d) => a * d, 1)
        const bytes = new Uint8Array(n * 4).map((_, i) => raw[i % Math.max(1, raw.length)] ?? 0)
        const data = new Float32Array(bytes.buffer)
        const c = { ...sample, program: { ...sample.program, params: { w: { shape, data } } } }
        const back = decodeCheckpoint(encodeCheckpoint(c))
        if (E.isLeft(back)) throw new Error(back.left)
        expect(back.right.program.params['w']!.shape).toEqual(shape)
        expect(Buffer.compare(Buffer.from(back.right.program.params['w']!.data.buffer), Buffer.from(bytes))).toBe(0)
      }),
      { numRuns: 100 },
    )
  })

  it('has a checksum independent of key order and spacing', async () => {
    const j = clone()
    const reordered = Object.fromEntries(Object.entries(j).reverse())
    expect(E.isRight(await loadBytes(JSON.stringify(reordered, null, 2)))).toBe(true)
    expect(canonicalJson({ b: [1, 'x', undefined], a: { d: true, c: null, e: undefined } })).toBe('{"a":{"c":null,"d":true},"b":[1,"x",null]}')
  })
})

describe('damaged checkpoints are one-line Lefts and stay untouched', () => {
  it('truncated at any point', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: TEXT.length - 1 }), async (cut) => void (await rejected(TEXT.slice(0, cut)))), { numRuns: 150 })
    expect(why(await rejected(''))).toMatch(/^not valid JSON: /)
  })

  it('any byte flipped: rejected, or (a same-value spelling such as e -> E) read as the very same checkpoint', async () => {
    const bytes = Buffer.from(TEXT)
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, x) => {
        const b = Buffer.from(bytes)
        b[at]! ^= x
        const r = await loadBytes(b)
        if (E.isRight(r)) expect(r.right).toEqual(sample)
        else expect(r.left.message.startsWith(`${file}: `) && !r.left.message.includes('\n')).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('one base64 character changed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'), async (k, c) => {
        const j = clone()
        const b64 = j['program'].params['conv1.weight'].base64 as string
        const at = k % (b64.length - 2) // not into the '=' padding
        fc.pre(b64[at] !== c)
        j['program'].params['conv1.weight'].base64 = b64.slice(0, at) + c + b64.slice(at + 1)
        expect(why(await rejected(JSON.stringify(j)))).toBe('checksum mismatch: the file was changed or damaged')
      }),
      { numRuns: 50 },
    )
  })

  it('each key dropped: the checksum catches it, and with a recomputed checksum the validation names the field', async () => {
    const optional = (path: (string | number)[]) => {
      const s = path.join('.')
      const aTensor = path.length === 3 && path[0] === 'program' && (path[1] === 'params' || path[1] === 'state')
      // dropping a dimension of size 1 keeps the byte count right: checkCheckpointParams compares shapes
      const unitDim = path[3] === 'shape' && path.length === 5 && path.reduce((o: any, k) => o[k], JSON0) === 1
      return aTensor || unitDim || s === 'rng' || s === 'identity.limit' || /^history\.\d+\.(trainAcc|testAcc|testLoss|metrics)(\.|$)/.test(s)
    }
    const paths = keyPaths(JSON0)
    expect(paths.length).toBeGreaterThan(50)
    for (const path of paths) {
      if (path[0] === 'checksum') continue
      expect(why(await rejected(JSON.stringify(dropAt(clone(), path))))).toBe(
        path[0] === 'format' ? 'no format field: not a typegrad checkpoint' : 'checksum mismatch: the file was changed or damaged',
      )
      const j = dropAt(clone(), path)
      delete j['checksum']
      const r = await loadBytes(resummed(j))
      if (optional(path)) {
        // a dropped param is caught against the model by checkCheckpointParams (below)
        expect(E.isRight(r), path.join('.')).toBe(true)
      } else {
        if (E.isRight(r)) throw new Error(`accepted without ${path.join('.')}`)
        // the reason names the field (or, for a dimension, the tensor; for a history entry, the history)
        const named = path.filter((k): k is string => typeof k === 'string' && k !== 'shape').at(-1)!
        expect(why(r.left.message)).toContain(named)
      }
    }
    const noSum = clone()
    delete noSum['checksum']
    expect(why(await rejected(JSON.stringify(noSum)))).toBe("checksum is missing, expected 'sha256:' and 64 hex digits")
  })

  const invalid = (edit: (j: Record<string, any>) => void) => {
    const j = clone()
    delete j['checksum']
    edit(j)
    return resummed(j)
  }
  const cases: [string, (j: Record<string, any>) => void, string][] = [
    ['dtype int32', (j) => (j.program.params['conv1.bias'].dtype = 'int32'), 'program.params["conv1.bias"].dtype is "int32", expected "float32"'],
    ['no dtype', (j) => delete j.program.params['conv1.bias'].dtype, 'program.params["conv1.bias"].dtype is missing'],
    ['shape too small', (j) => (j.program.params['conv1.weight'].shape = [2, 1, 3]), 'program.params["conv1.weight"] holds 72 bytes, shape [2, 1, 3] needs 24'],
    ['shape too big', (j) => (j.program.state.scalar.shape = [2]), 'program.state.scalar holds 4 bytes, shape [2] needs 8'],
    ['negative dim', (j) => (j.program.params['conv1.bias'].shape = [-2]), 'program.params["conv1.bias"].shape[0] is -2, expected an integer >= 0'],
    ['fractional dim', (j) => (j.program.params['conv1.bias'].shape = [1.5]), 'program.params["conv1.bias"].shape[0] is 1.5, expected an integer >= 0'],
    ['string dim', (j) => (j.program.params['conv1.bias'].shape = ['2']), 'program.params["conv1.bias"].shape[0] is "2", expected an integer >= 0'],
    ['shape not an array', (j) => (j.program.params['conv1.bias'].shape = 2), 'program.params["conv1.bias"].shape is 2, expected an array of dimensions'],
    ['base64 with junk', (j) => (j.program.params['conv1.bias'].base64 = 'AAAA!AAA'), 'program.params["conv1.bias"].base64 is not canonical base64'],
    ['tensor extra field', (j) => (j.program.params['conv1.bias'].strides = [1]), 'program.params["conv1.bias"].strides is not a field of a checkpoint'],
    ['tensor null', (j) => (j.program.state.scalar = null), 'program.state.scalar is null, expected an object'],
    ['params not an object', (j) => (j.program.params = []), 'program.params is [], expected an object of tensors by name'],
    ['step negative', (j) => (j.program.step = -1), 'program.step is -1, expected an integer >= 0'],
    ['step fractional', (j) => (j.program.step = 2.5), 'program.step is 2.5, expected an integer >= 0'],
    ['step string', (j) => (j.program.step = '8'), 'program.step is "8", expected an integer >= 0'],
    ['epoch negative', (j) => (j.epoch = -1), 'epoch is -1, expected an integer >= 0'],
    ['epoch beyond history', (j) => (j.epoch = 3), 'history has 2 epoch records, expected 3 (one per completed epoch)'],
    ['history [null, ...]', (j) => (j.history[0] = null), 'history[0] is null, expected an object'],
    ['history garbage', (j) => (j.history[1] = 'epoch 2'), 'history[1] is "epoch 2", expected an object'],
    ['history not an array', (j) => (j.history = {}), 'history is {}, expected an array of 2 epoch records'],
    ['history out of order', (j) => ([j.history[0], j.history[1]] = [j.history[1], j.history[0]]), 'history[0].epoch is 2, expected 1'],
    ['history null loss (a NaN)', (j) => (j.history[1].loss = null), 'history[1].loss is null, expected a finite number'],
    ['history string loss', (j) => (j.history[0].loss = '2.3'), 'history[0].loss is "2.3", expected a finite number'],
    ['history fractional examples', (j) => (j.history[0].examples = 1.5), 'history[0].examples is 1.5, expected an integer >= 0'],
    ['history negative seconds', (j) => (j.history[0].seconds = -1), 'history[0].seconds is -1, expected a number >= 0'],
    ['history null testAcc', (j) => (j.history[0].testAcc = null), 'history[0].testAcc is null, expected a finite number'],
    ['history bad metric', (j) => (j.history[1].metrics['test f1'] = 'x'), 'history[1].metrics["test f1"] is "x", expected a finite number'],
    ['history unknown field', (j) => (j.history[1].extra = 1), 'history[1].extra is not a field of a checkpoint'],
    ['no identity', (j) => delete j.identity, 'identity is missing'],
    ['identity null', (j) => (j.identity = null), 'identity is null, expected an object'],
    ['identity model number', (j) => (j.identity.model = 5), 'identity.model is 5, expected a string'],
    ['identity optimizer null', (j) => (j.identity.optimizer = null), 'identity.optimizer is null, expected a string'],
    ['identity lr string', (j) => (j.identity.lr = '0.9'), 'identity.lr is "0.9", expected a finite number'],
    ['identity lr zero', (j) => (j.identity.lr = 0), 'identity.lr is 0, expected a number > 0'],
    ['identity lrDecay 2', (j) => (j.identity.lrDecay = 2), 'identity.lrDecay is 2, expected a number in (0, 1]'],
    ['identity batchSize 0', (j) => (j.identity.batchSize = 0), 'identity.batchSize is 0, expected an integer >= 1'],
    ['identity seed fractional', (j) => (j.identity.seed = 0.5), 'identity.seed is 0.5, expected an integer >= 0'],
    ['identity limit null', (j) => (j.identity.limit = null), 'identity.limit is null, expected an integer >= 1'],
    ['identity data missing', (j) => delete j.identity.data, 'identity.data is missing'],
    ['identity unknown field', (j) => (j.identity.epochs = 3), 'identity.epochs is not a field of a checkpoint'],
    ['rng seed differs', (j) => (j.rng.seed = 1), 'rng.seed is 1, expected identity.seed 0'],
    ['unknown top-level field', (j) => (j.note = 'hi'), 'note is not a field of a checkpoint'],
    ['format 1', (j) => (j.format = 1), 'format 1, this typegrad reads checkpoint format 2 (written by an older typegrad: train again into another --out)'],
    ['format 3', (j) => (j.format = 3), 'format 3, this typegrad reads checkpoint format 2'],
    ['no format', (j) => delete j.format, 'no format field: not a typegrad checkpoint'],
  ]
  it.each(cases)('%s', async (_, edit, reason) => {
    expect(why(await rejected(invalid(edit)))).toBe(reason)
  })

  it('never throws, whatever the text or the well-summed JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        expect(E.isLeft(decodeCheckpoint(text))).toBe(true)
      }),
      { numRuns: 300 },
    )
    const value = fc.jsonValue({ maxDepth: 3 })
    fc.assert(
      fc.property(fc.record({ epoch: value, identity: value, program: fc.oneof(value, fc.record({ step: value, params: value, state: value })), history: value }), (body) => {
        const j = { format: 2, ...body }
        const r = decodeCheckpoint(resummed(j))
        if (E.isLeft(r)) expect(r.left).not.toMatch(/\n/)
      }),
      { numRuns: 300 },
    )
  })

  it('not a checkpoint at all', async () => {
    expect(why(await rejected('[1,2]'))).toBe('the file is [1,2], expected a JSON object')
    expect(why(await rejected('null'))).toBe('the file is null, expected a JSON object')
    expect(why(await rejected(Uint8Array.from([0xff, 0xfe, 0, 1, 2])))).toMatch(/^not valid JSON/)
    expect(why(await rejected(JSON.stringify({ ...JSON0, checksum: 'md5:abc' })))).toBe('checksum is "md5:abc", expected \'sha256:\' and 64 hex digits')
  })

  it('a directory in place of the file', async () => {
    const d = await mkdtemp(join(tmpdir(), 'typegrad-ckpt-dir-'))
    try {
      await writeFile(join(d, 'x'), '')
      await rm(join(d, 'x'))
      const { mkdir } = await import('node:fs/promises')
      await mkdir(join(d, CHECKPOINT_FILE))
      const r = await loadCheckpoint(d)()
      expect(E.isLeft(r) && r.left.message).toMatch(new RegExp(`^${join(d, CHECKPOINT_FILE)}: cannot resume from this checkpoint \\(EISDIR`))
    } finally {
      await rm(d, { recursive: true, force: true })
    }
  })
})

describe('checkCheckpointParams: the file against the model', () => {
  const expected = sample.program
  it('accepts exactly the model\'s tensors', () => {
    expect(checkCheckpointParams(out, sample.program, expected)).toEqual(E.right(undefined))
  })
  it('reports an extra param, a missing param, a missing optimizer state and a wrong shape', () => {
    const msg = (saved: Pick<Checkpoint['program'], 'params' | 'state'>) => {
      const r = checkCheckpointParams(out, saved, expected)
      if (E.isRight(r)) throw new Error('accepted')
      expect(r.left.message.startsWith(`${file}: `)).toBe(true)
      return why(r.left.message)
    }
    const { params, state } = sample.program
    expect(msg({ params: { ...params, 'fc9.weight': tensor([1], () => 0) }, state })).toBe("it holds param 'fc9.weight' that this model does not have")
    const { 'conv1.bias': _, ...fewer } = params
    expect(msg({ params: fewer, state })).toBe("it lacks param 'conv1.bias' of this model")
    expect(msg({ params, state: {} })).toBe("it lacks optimizer state 'conv1.weight.momentum', 'scalar' of this model")
    expect(msg({ params: { ...params, 'conv1.bias': tensor([1, 2], () => 0) }, state })).toBe("param 'conv1.bias' has shape [1, 2], this model needs [2]")
  })
})

describe('saveCheckpoint', () => {
  it('refuses to write a checkpoint it could not read back (a NaN loss), leaving the old one', async () => {
    const d = await mkdtemp(join(tmpdir(), 'typegrad-ckpt-save-'))
    try {
      expect(E.isRight(await saveCheckpoint(d, sample)())).toBe(true)
      const before = await readFile(join(d, CHECKPOINT_FILE), 'utf8')
      expect(before).toBe(TEXT)
      const bad = { ...sample, history: [sample.history[0]!, { ...sample.history[1]!, loss: Number.NaN }] }
      const r = await saveCheckpoint(d, bad)()
      expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'WriteFailed', message: `${join(d, CHECKPOINT_FILE)}: cannot write (the checkpoint would not be readable: history[1].loss is null, expected a finite number)` })
      expect(await readFile(join(d, CHECKPOINT_FILE), 'utf8')).toBe(before)
      expect(await readdir(d)).toEqual([CHECKPOINT_FILE])
    } finally {
      await rm(d, { recursive: true, force: true })
    }
  })
})
