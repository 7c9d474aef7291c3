/** The typegrad model file: metadata, checksum, verification against the model, atomic saves, and fuzzed damage. */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { access, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Tensor } from '../../../src/dsl/tensor.js'
import {
  type ModelFileError,
  type ModelFileErrorKind,
  type ParamSlot,
  decodeModelFile,
  decodeSafetensors,
  encodeModelFile,
  encodeSafetensors,
  fingerprintOf,
  loadModelFile,
  matchModel,
  saveModelFile,
} from '../../../src/runtime/io/index.js'
import { type FileOps, nodeFileOps } from '../../../src/runtime/train/atomicFile.js'
import { tempDir } from '../data/fixtures.js'
import { bits, expectOneLine, leftOf, rewriteHeader, rightOf, splitFile } from './support.js'

const lenet: readonly ParamSlot[] = [
  { name: '0.weight', shape: [6, 1, 5, 5] },
  { name: '0.bias', shape: [6] },
  { name: '3.weight', shape: [16, 6, 5, 5] },
  { name: '3.bias', shape: [16] },
  { name: '7.weight', shape: [120, 400] },
  { name: '7.bias', shape: [120] },
  { name: '9.weight', shape: [84, 120] },
  { name: '9.bias', shape: [84] },
  { name: '11.weight', shape: [10, 84] },
  { name: '11.bias', shape: [10] },
]

/** Deterministic values per parameter, with a -0 and a subnormal in each to check bits survive. */
const paramsFor = (slots: readonly ParamSlot[]): Record<string, Tensor> =>
  Object.fromEntries(
    slots.map((s, j) => {
      const data = new Float32Array(s.shape.reduce((a, d) => a * d, 1)).map((_, k) => Math.sin(k * 0.37 + j) * 0.1)
      if (data.length > 1) {
        data[0] = -0
        data[1] = 1e-40
      }
      return [s.name, { shape: s.shape, data }]
    }),
  )

const params = paramsFor(lenet)
const PATH = 'lenet.safetensors'
const good = rightOf(encodeModelFile(PATH, params, lenet, { description: 'LeNet-5 for the tests' }))
const packageVersion = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version

const expectSameParams = (got: Record<string, Tensor>, want: Record<string, Tensor>, order: readonly ParamSlot[]): void => {
  // In model order where a JS object can keep it: integer-like keys ('12') always come first.
  const integerLike = (k: string): boolean => /^(?:0|[1-9][0-9]*)$/.test(k) && Number(k) < 2 ** 32 - 1
  expect(Object.keys(got).filter((k) => !integerLike(k))).toEqual(order.map((s) => s.name).filter((k) => !integerLike(k)))
  expect(Object.keys(got).length).toBe(order.length)
  for (const s of order) {
    expect(got[s.name]!.shape).toEqual(want[s.name]!.shape)
    expect(bits(got[s.name]!.data)).toEqual(bits(want[s.name]!.data))
  }
}

/** decode + match, as loadModelFile does after reading. */
const load = (bytes: Uint8Array, slots: readonly ParamSlot[] = lenet): E.Either<ModelFileError, Record<string, Tensor>> =>
  E.flatMap(decodeModelFile(PATH, bytes), (f) => matchModel(PATH, f, slots))

const expectFailure = (r: E.Either<ModelFileError, unknown>, kind: ModelFileErrorKind, message: string | RegExp): ModelFileError => {
  const e = leftOf(r)
  expect(e._tag).toBe('ModelFileError')
  expect(e.path).toBe(PATH)
  expect(e.kind).toBe(kind)
  if (typeof message === 'string') expect(e.message).toBe(message)
  else expect(e.message).toMatch(message)
  expectOneLine(e.message)
  return e
}

let dir: { dir: string; cleanup: () => Promise<void> }
beforeAll(async () => {
  dir = await tempDir('model-file')
})
afterAll(async () => {
  await dir.cleanup()
})

describe('what a model file holds', () => {
  it('the fingerprint is the JSON of [name, shape] pairs in model order', () => {
    expect(fingerprintOf(lenet.slice(0, 2))).toBe('[["0.weight",[6,1,5,5]],["0.bias",[6]]]')
    expect(fingerprintOf([])).toBe('[]')
  })

  it('plain safetensors: F32 tensors in model order, the documented metadata, a sha256 of the byte buffer', () => {
    const st = rightOf(decodeSafetensors(good))
    expect(st.entries.map((e) => [e.name, e.dtype, e.shape])).toEqual(lenet.map((s) => [s.name, 'F32', s.shape]))
    const { data } = splitFile(good)
    expect(st.metadata).toEqual({
      format: 'typegrad.model',
      version: '1',
      fingerprint: fingerprintOf(lenet),
      sha256: createHash('sha256').update(data).digest('hex'),
      createdBy: `typegrad ${packageVersion}`,
      description: 'LeNet-5 for the tests',
    })
    expect(data.length).toBe(61706 * 4)
  })

  it('decodeModelFile returns the params, the saved structure and the metadata', () => {
    const f = rightOf(decodeModelFile(PATH, good))
    expect(f.slots).toEqual(lenet)
    expect(f.metadata['description']).toBe('LeNet-5 for the tests')
    expectSameParams(f.params, params, lenet)
  })
})

describe('save and load', () => {
  it('round trip through the disk, bit for bit, in the model order', async () => {
    const path = join(dir.dir, 'sub', 'lenet.safetensors')
    const saved = rightOf(await saveModelFile(path, params, lenet)())
    expect(saved).toEqual({ path, bytes: (await readFile(path)).length })
    expectSameParams(rightOf(await loadModelFile(path, lenet)()), params, lenet)
    // Saving again replaces the file, and no temp file is left beside it.
    rightOf(await saveModelFile(path, paramsFor(lenet), lenet, { description: 'again' })())
    expect(await readdir(join(dir.dir, 'sub'))).toEqual(['lenet.safetensors'])
  })

  it('property: random models (any names, shapes with 0 dims and scalars, finite float32 bits) round trip', () => {
    const slotArb = fc.uniqueArray(
      fc.record({ name: fc.oneof(fc.string({ unit: 'binary', maxLength: 10 }), fc.constantFrom('0.weight', '__proto__', '12')), shape: fc.array(fc.nat({ max: 4 }), { maxLength: 3 }) }),
      { selector: (s) => s.name, maxLength: 6 },
    )
    const modelArb = slotArb
      .map((slots) => slots.filter((s) => s.name !== '__metadata__'))
      .chain((slots) =>
        fc
          .tuple(...slots.map((s) => fc.float32Array({ minLength: numel(s.shape), maxLength: numel(s.shape), noNaN: true, noDefaultInfinity: true })))
          .map((datas) => ({ slots, params: Object.fromEntries(slots.map((s, k): [string, Tensor] => [s.name, { shape: s.shape, data: datas[k]! }])) })),
      )
    fc.assert(
      fc.property(modelArb, fc.dictionary(fc.string({ maxLength: 6 }).map((k) => `x-${k}`), fc.string({ unit: 'binary', maxLength: 12 }), { maxKeys: 3 }), ({ slots, params: ps }, extra) => {
        const bytes = rightOf(encodeModelFile(PATH, ps, slots, extra))
        const f = rightOf(decodeModelFile(PATH, bytes))
        expect(f.slots).toEqual(slots)
        for (const [k, v] of Object.entries(extra)) expect(f.metadata[k]).toBe(v)
        expectSameParams(rightOf(matchModel(PATH, f, slots)), ps, slots)
      }),
      { numRuns: 200 },
    )
  })

  it('a missing file is a read error', async () => {
    const path = join(dir.dir, 'nope.safetensors')
    expect(leftOf(await loadModelFile(path, lenet)())).toEqual({ _tag: 'ModelFileError', kind: 'read', path, message: `${path}: no such file` })
  })
})

const numel = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1)

describe('saving refuses values that are not the model parameters, and writes nothing', () => {
  const refused = async (ps: Record<string, Tensor>, message: string, extra: Record<string, string> = {}, slots = lenet): Promise<void> => {
    const path = join(dir.dir, `refused-${Math.random().toString(36).slice(2)}.safetensors`)
    const e = leftOf(await saveModelFile(path, ps, slots, extra)())
    expect(e).toEqual({ _tag: 'ModelFileError', kind: 'params', path, message: `${path}: not saved: ${message}` })
    await expect(access(path)).rejects.toThrow(/ENOENT/)
  }
  const withData = (name: string, f: (d: Float32Array) => void): Record<string, Tensor> => {
    const data = params[name]!.data.slice()
    f(data)
    return { ...params, [name]: { shape: params[name]!.shape, data } }
  }

  it('NaN or Infinity in a parameter', async () => {
    await refused(withData('0.bias', (d) => (d[3] = NaN)), "parameter '0.bias' has a non-finite value (NaN) at index 3")
    await refused(withData('11.weight', (d) => (d[839] = -Infinity)), "parameter '11.weight' has a non-finite value (-Infinity) at index 839")
  })

  it('a missing, an extra, a misshapen or a short parameter', async () => {
    const { ['9.bias']: _, ...without } = params
    await refused(without, "parameter '9.bias' of the model has no value")
    await refused({ ...params, 'bn.mean': { shape: [1], data: new Float32Array(1) } }, "there is a value for 'bn.mean', which is not a parameter of the model")
    await refused({ ...params, '3.bias': { shape: [4, 4], data: new Float32Array(16) } }, "parameter '3.bias' has shape [4, 4] but the model declares [16]")
    await refused({ ...params, '3.bias': { shape: [16], data: new Float32Array(15) } }, "parameter '3.bias' holds 15 values but shape [16] needs 16")
  })

  it('reserved metadata keys, and model declarations no file can hold', async () => {
    await refused(params, "metadata key 'sha256' is reserved for typegrad", { sha256: 'mine' })
    await refused(params, "parameter 'x' appears twice in the model", {}, [{ name: 'x', shape: [1] }, { name: 'x', shape: [1] }])
    await refused(params, "parameter '__metadata__': the name is reserved by safetensors", {}, [{ name: '__metadata__', shape: [1] }])
  })
})

describe('saving is atomic', () => {
  /** Dies halfway: half the bytes reach the temp file, then the write throws. */
  const dying: FileOps = {
    ...nodeFileOps,
    writeDurable: async (file, d) => {
      await nodeFileOps.writeDurable(file, typeof d === 'string' ? d.slice(0, d.length >> 1) : d.subarray(0, d.length >> 1))
      throw new Error('disk full')
    },
  }

  it('a failed first write leaves no file at all', async () => {
    const t = await tempDir('model-file-atomic')
    const path = join(t.dir, 'm.safetensors')
    const e = leftOf(await saveModelFile(path, params, lenet, {}, dying)())
    expect(e).toEqual({ _tag: 'ModelFileError', kind: 'write', path, message: `${path}: cannot write (disk full)` })
    expect(await readdir(t.dir)).toEqual([])
    await t.cleanup()
  })

  it('a failed overwrite leaves the previous file whole and loadable', async () => {
    const t = await tempDir('model-file-atomic')
    const path = join(t.dir, 'm.safetensors')
    rightOf(await saveModelFile(path, params, lenet)())
    const before = await readFile(path)
    leftOf(await saveModelFile(path, paramsFor(lenet.slice(0, 2)), lenet.slice(0, 2), {}, dying)())
    expect(Buffer.compare(await readFile(path), before)).toBe(0)
    expect(await readdir(t.dir)).toEqual(['m.safetensors'])
    expectSameParams(rightOf(await loadModelFile(path, lenet)()), params, lenet)
    await t.cleanup()
  })
})

describe('loading into a different model', () => {
  const edited = (changes: Record<string, readonly number[]>): ParamSlot[] => lenet.map((s) => (s.name in changes ? { ...s, shape: changes[s.name]! } : s))

  it('names the first mismatched parameter and both shapes', async () => {
    const path = join(dir.dir, 'for-mismatch.safetensors')
    rightOf(await saveModelFile(path, params, lenet)())
    const e = leftOf(await loadModelFile(path, edited({ '3.weight': [16, 8, 5, 5], '7.weight': [120, 256] }))())
    expect(e).toEqual({
      _tag: 'ModelFileError',
      kind: 'mismatch',
      path,
      message: `${path} was saved from a different model: parameter '3.weight' has shape [16, 6, 5, 5] in the file but [16, 8, 5, 5] in the model`,
    })
  })

  it('a parameter of the model missing from the file, or one the model lacks', () => {
    expectFailure(load(good, [...lenet.slice(0, 5), { name: 'bn.gamma', shape: [120] }, ...lenet.slice(5)]), 'mismatch', `${PATH} was saved from a different model: parameter 'bn.gamma' of the model is not in the file`)
    expectFailure(load(good, lenet.filter((s) => s.name !== '9.bias')), 'mismatch', `${PATH} was saved from a different model: the file has parameter '9.bias' that the model does not have`)
  })
})

describe('damaged, foreign and future files are refused by name', () => {
  it('a flipped bit in the data is a checksum mismatch', () => {
    const b = Uint8Array.from(good)
    b[b.length - 1000]! ^= 0x10
    const e = expectFailure(load(b), 'checksum', /^lenet\.safetensors: checksum mismatch: the file is damaged \(expected [0-9a-f]{64}, got [0-9a-f]{64}\)$/)
    expect(e.message).toContain(`expected ${rightOf(decodeSafetensors(good)).metadata['sha256']}`)
  })

  it('a truncated file', () => {
    expectFailure(load(good.subarray(0, good.length - 4)), 'corrupt', `${PATH}: the file is damaged or not a safetensors file: tensor '11.bias': data_offsets [246784, 246824] run past the end of the data (246820 bytes)`)
  })

  it('a newer version says so; an unknown one is unsupported', () => {
    const v2 = rewriteHeader(good, (h) => (h.__metadata__['version'] = '2'))
    expectFailure(load(v2), 'version', `${PATH} was written by 'typegrad ${packageVersion}' in model file version 2; this typegrad reads version 1: upgrade typegrad to load it`)
    expectFailure(load(rewriteHeader(good, (h) => (h.__metadata__['version'] = 'one'))), 'version', `${PATH}: unsupported model file version 'one' (this typegrad reads version 1)`)
  })

  it('a safetensors file from elsewhere is not a typegrad model', () => {
    expectFailure(load(encodeSafetensors(params, { format: 'pt' })), 'format', `${PATH} is not a typegrad model file: its metadata 'format' is 'pt', not 'typegrad.model'`)
    expectFailure(load(encodeSafetensors(params)), 'format', `${PATH} is not a typegrad model file: its metadata has no 'format'`)
  })

  type Edit = Parameters<typeof rewriteHeader>[1]
  const edits: [string, Edit, ModelFileErrorKind, string][] = [
    ['drop a dtype', (h) => delete (h['0.bias'] as { dtype?: string }).dtype, 'corrupt', "the file is damaged or not a safetensors file: tensor '0.bias': no dtype"],
    ['drop a shape', (h) => delete (h['3.weight'] as { shape?: number[] }).shape, 'corrupt', "the file is damaged or not a safetensors file: tensor '3.weight': no shape"],
    ['drop a tensor', (h) => delete h['0.bias'], 'corrupt', 'the file is damaged or not a safetensors file: bytes [600, 624) of the data belong to no tensor'],
    ['drop the metadata', (h) => delete (h as { __metadata__?: unknown }).__metadata__, 'format', "is not a typegrad model file: its metadata has no 'format'"],
    ['drop the checksum', (h) => delete h.__metadata__['sha256'], 'corrupt', "the file is damaged: its metadata 'sha256' is missing"],
    ['drop the fingerprint', (h) => delete h.__metadata__['fingerprint'], 'corrupt', "the file is damaged: its metadata has no 'fingerprint'"],
    ['dtype I32', (h) => (h['0.weight']!.dtype = 'I32'), 'format', "tensor '0.weight' is stored as I32; typegrad model files hold F32 only"],
    ['dtype F16', (h) => (h['0.weight']!.dtype = 'F16'), 'corrupt', "the file is damaged or not a safetensors file: tensor '0.weight': dtype F16 is not supported (only F32 and I32 are)"],
    ['a shape with other size', (h) => (h['0.weight']!.shape = [6, 1, 5, 4]), 'corrupt', "the file is damaged or not a safetensors file: tensor '0.weight': data_offsets [0, 600] hold 150 floats but shape [6, 1, 5, 4] needs 120"],
    ['a shape with the same size', (h) => (h['0.weight']!.shape = [1, 6, 5, 5]), 'corrupt', "the file is damaged: the header gives parameter '0.weight' shape [1, 6, 5, 5] but its fingerprint records [6, 1, 5, 5]"],
    ['a renamed tensor', (h) => ((h['0.biaz'] = h['0.bias']!), delete h['0.bias']), 'corrupt', "the file is damaged: the header has parameter '0.biaz', which its fingerprint does not list"],
    ['a fingerprint that is not JSON', (h) => (h.__metadata__['fingerprint'] = '[[0.weight'), 'corrupt', 'the file is damaged: its fingerprint is not a list of [name, shape] pairs'],
    [
      'a fingerprint listing more',
      (h) => (h.__metadata__['fingerprint'] = fingerprintOf([...lenet, { name: 'x', shape: [1] }])),
      'corrupt',
      "the file is damaged: its fingerprint lists parameter 'x', which the header does not have",
    ],
    ['swapped offsets', (h) => ([h['0.bias']!.data_offsets, h['3.bias']!.data_offsets] = [h['3.bias']!.data_offsets, h['0.bias']!.data_offsets]), 'corrupt', "the file is damaged or not a safetensors file: tensor '0.bias': data_offsets [10224, 10288] hold 16 floats but shape [6] needs 6"],
  ]
  it.each(edits)('%s', (_, edit, kind, message) => {
    const m = message.startsWith('is ') ? `${PATH} ${message}` : `${PATH}: ${message}`
    expectFailure(load(rewriteHeader(good, edit)), kind, m)
  })
})

describe('fuzzing the file: a Left with one line, never a throw, never other weights', () => {
  const { dataStart } = splitFile(good)
  const headerText = new TextDecoder().decode(good.subarray(8, dataStart))
  // The tensor entries: from the first tensor name after the metadata object to the end of the JSON.
  const entriesFrom = 8 + new TextEncoder().encode(headerText.slice(0, headerText.indexOf('"0.weight":{"dtype"'))).length
  const entriesTo = 8 + new TextEncoder().encode(headerText.trimEnd()).length

  const leftOrSame = (r: E.Either<ModelFileError, Record<string, Tensor>>): void => {
    if (E.isLeft(r)) {
      expect(r.left.path).toBe(PATH)
      return expectOneLine(r.left.message)
    }
    expectSameParams(r.right, params, lenet)
  }

  it('property: truncated anywhere', () => {
    fc.assert(
      fc.property(fc.nat(good.length - 1), (k) => {
        expectFailure(load(good.subarray(0, k)), 'corrupt', /^lenet\.safetensors: the file is damaged or not a safetensors file: /)
      }),
      { numRuns: 300 },
    )
  })

  it('property: a flipped byte in the data is a checksum mismatch', () => {
    fc.assert(
      fc.property(fc.integer({ min: dataStart, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const b = Uint8Array.from(good)
        b[at]! ^= mask
        expectFailure(load(b), 'checksum', /checksum mismatch: the file is damaged/)
      }),
      { numRuns: 100 },
    )
  })

  it('property: a flipped byte in a tensor entry of the header is always refused', () => {
    fc.assert(
      fc.property(fc.integer({ min: entriesFrom, max: entriesTo - 1 }), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const b = Uint8Array.from(good)
        b[at]! ^= mask
        const r = load(b)
        expect(E.isLeft(r)).toBe(true)
        leftOrSame(r)
      }),
      { numRuns: 300 },
    )
  })

  it('property: a flipped byte anywhere before the data is refused, or (in free text such as the description) changes no weight', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: dataStart - 1 }), fc.integer({ min: 1, max: 255 }), (at, mask) => {
        const b = Uint8Array.from(good)
        b[at]! ^= mask
        leftOrSame(load(b))
      }),
      { numRuns: 500 },
    )
  })

  it('exhaustively, on a small model: every bit of the header flipped, and every byte inverted, never throws', () => {
    const small: ParamSlot[] = [
      { name: 'conv.weight', shape: [2, 1, 3, 3] },
      { name: 'conv.bias', shape: [2] },
      { name: 'fc.weight', shape: [3, 8] },
    ]
    const ps = paramsFor(small)
    const bytes = rightOf(encodeModelFile(PATH, ps, small, { description: 'small' }))
    const start = splitFile(bytes).dataStart
    let refused = 0
    let loaded = 0
    for (let at = 0; at < start; at++) {
      for (const mask of [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff]) {
        const b = Uint8Array.from(bytes)
        b[at]! ^= mask
        const r = load(b, small)
        if (E.isLeft(r)) {
          expectOneLine(r.left.message)
          refused++
        } else {
          expectSameParams(r.right, ps, small)
          loaded++
        }
      }
    }
    // Only bytes that carry no weight information (free text such as createdBy, padding) can change and still load.
    expect(refused + loaded).toBe(start * 9)
    expect(refused).toBeGreaterThan(loaded * 4)
  })

  it('a damaged file on disk reads as damaged through loadModelFile', async () => {
    const path = join(dir.dir, 'damaged.safetensors')
    const b = Uint8Array.from(good)
    b[dataStart + 5]! ^= 0x01
    await writeFile(path, b)
    const e = leftOf(await loadModelFile(path, lenet)())
    expect(e.kind).toBe('checksum')
    expect(e.message.startsWith(`${path}: checksum mismatch: the file is damaged (expected `)).toBe(true)
  })
})
