/** The safetensors codec: the spec's byte layout, bit-exact round trips, and a one-line Left for every defect. */
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import type { Tensor } from '../../../src/dsl/tensor.js'
import { MAX_HEADER_BYTES, decodeSafetensors, encodeSafetensors, encodeSafetensorsEntries } from '../../../src/runtime/io/index.js'
import { bits, expectOneLine, fileOf, leftOf, rightOf, splitFile } from './support.js'

const f32 = (...xs: number[]): Float32Array => new Float32Array(xs)
const fromBits = (...us: number[]): Float32Array => new Float32Array(new Uint32Array(us).buffer)
const ascii = (s: string): number[] => Array.from(new TextEncoder().encode(s))

describe('encodeSafetensors writes the layout of the spec', () => {
  it('a tiny file, byte for byte', () => {
    // Typed from the spec: u64 LE header length 80, the JSON header padded with one space to 80 bytes
    // (a multiple of 8), then 1.0f and -2.0f as little-endian float32.
    const header = '{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} '
    expect(header.length).toBe(80)
    const expected = new Uint8Array([80, 0, 0, 0, 0, 0, 0, 0, ...ascii(header), 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0])
    expect(Array.from(encodeSafetensors({ a: { shape: [2], data: f32(1, -2) } }, { k: 'v' }))).toEqual(Array.from(expected))
    const back = rightOf(decodeSafetensors(expected))
    expect(back.metadata).toEqual({ k: 'v' })
    expect(back.tensors['a']!.shape).toEqual([2])
    expect(Array.from(back.tensors['a']!.data)).toEqual([1, -2])
    expect(back.entries).toEqual([{ name: 'a', dtype: 'F32', shape: [2], begin: 0, end: 8 }])
    expect(back.dataStart).toBe(88)
  })

  it('no tensors and no metadata: "{}" padded to 8 bytes', () => {
    const bytes = encodeSafetensors({}, {})
    expect(Array.from(bytes)).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...ascii('{}      ')])
    expect(rightOf(decodeSafetensors(bytes))).toEqual({ tensors: {}, metadata: {}, entries: [], dataStart: 16 })
  })

  it('lays tensors out in the order given, without gaps, with the header length a multiple of 8', () => {
    const bytes = encodeSafetensorsEntries(
      [
        ['z', { shape: [3], data: f32(1, 2, 3) }],
        ['a', { shape: [], data: f32(4) }],
        ['empty', { shape: [0, 2], data: f32() }],
        ['m', { shape: [1, 2], data: f32(5, 6) }],
      ],
      {},
    )
    const { header, data, dataStart } = splitFile(bytes)
    expect((dataStart - 8) % 8).toBe(0)
    expect(Object.keys(header)).toEqual(['z', 'a', 'empty', 'm'])
    expect(header).toEqual({
      z: { dtype: 'F32', shape: [3], data_offsets: [0, 12] },
      a: { dtype: 'F32', shape: [], data_offsets: [12, 16] },
      empty: { dtype: 'F32', shape: [0, 2], data_offsets: [16, 16] },
      m: { dtype: 'F32', shape: [1, 2], data_offsets: [16, 24] },
    })
    expect(Array.from(new Float32Array(data.slice().buffer))).toEqual([1, 2, 3, 4, 5, 6])
  })

  it('refuses, with a RangeError, tensors no file could represent', () => {
    expect(() => encodeSafetensors({ x: { shape: ['N', 2], data: f32(1, 2) } })).toThrow(/tensor 'x' has shape \[N, 2\]; dims must be non-negative integers/)
    expect(() => encodeSafetensors({ x: { shape: [3], data: f32(1, 2) } })).toThrow(/tensor 'x' holds 2 values but shape \[3\] needs 3/)
    expect(() => encodeSafetensors({ __metadata__: { shape: [1], data: f32(1) } })).toThrow(RangeError)
    expect(() => encodeSafetensorsEntries([['x', { shape: [1], data: f32(1) }], ['x', { shape: [1], data: f32(2) }]])).toThrow(/'x' appears twice/)
    expect(() => encodeSafetensors({}, { n: 3 as unknown as string })).toThrow(/metadata 'n' is not a string/)
  })
})

describe('decodeSafetensors reads files of other writers', () => {
  it('any header order, no padding, whitespace, metadata last, an I32 scalar, an empty tensor, unknown fields', () => {
    const header = `{
      "b": {"dtype": "I32", "shape": [], "data_offsets": [4, 8]},
      "e": {"dtype": "F32", "shape": [0, 3], "data_offsets": [4, 4]},
      "a": {"dtype": "F32", "shape": [1, 1], "data_offsets": [0, 4], "note": "ignored, as the reference reader does"},
      "__metadata__": {"format": "pt"}
    }`
    const file = fileOf(header, [0x00, 0x00, 0x00, 0x3f, 0xfd, 0xff, 0xff, 0xff])
    const st = rightOf(decodeSafetensors(file))
    expect(st.metadata).toEqual({ format: 'pt' })
    expect(st.entries.map((e) => [e.name, e.dtype])).toEqual([
      ['b', 'I32'],
      ['e', 'F32'],
      ['a', 'F32'],
    ])
    expect(st.tensors['a']).toEqual({ shape: [1, 1], data: f32(0.5) })
    expect(st.tensors['b']).toEqual({ shape: [], data: f32(-3) })
    expect(st.tensors['e']).toEqual({ shape: [0, 3], data: f32() })
  })

  it('"__metadata__": null is no metadata', () => {
    expect(rightOf(decodeSafetensors(fileOf('{"__metadata__":null}'))).metadata).toEqual({})
  })

  it('bytes at an odd offset in their buffer, and results that do not alias the input', () => {
    const bytes = encodeSafetensors({ w: { shape: [2, 2], data: f32(1, 2, 3, 4) } })
    const big = new Uint8Array(bytes.length + 3)
    big.set(bytes, 1)
    const view = big.subarray(1, 1 + bytes.length)
    const t = rightOf(decodeSafetensors(view)).tensors['w']!
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4])
    view.fill(0)
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4])
  })
})

describe('round trips are bit-exact', () => {
  it('-0, subnormals, the extremes, infinities and NaN payloads', () => {
    const special = fromBits(
      0x80000000, // -0
      0x00000001, // smallest subnormal
      0x007fffff, // largest subnormal
      0x80000001, // -smallest subnormal
      0x00800000, // smallest normal
      0x7f7fffff, // largest finite
      0x7f800000, // +Infinity
      0xff800000, // -Infinity
      0x7fc00001, // a quiet NaN with a payload
      0xffc00000, // a negative NaN
      0x7f800001, // a signalling NaN
    )
    const back = rightOf(decodeSafetensors(encodeSafetensors({ s: { shape: [special.length], data: special } }))).tensors['s']!
    expect(bits(back.data)).toEqual(bits(special))
  })

  const tensorArb: fc.Arbitrary<Tensor> = fc
    .array(fc.nat({ max: 4 }), { maxLength: 3 })
    .chain((shape) => {
      const n = shape.reduce((a, d) => a * d, 1)
      return fc.float32Array({ minLength: n, maxLength: n }).map((data): Tensor => ({ shape, data }))
    })
  const nameArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('0.weight', '\ud800lone', 'a"b\\c\n', '__proto__', '7'))

  it('property: random tensors (any float32 bits, any names) and metadata come back exactly', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(nameArb, tensorArb), { selector: ([n]) => n, maxLength: 6 }).map((es) => es.filter(([n]) => n !== '__metadata__')),
        fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 16 })), { maxLength: 4 }),
        (entries, metaPairs) => {
          const metadata = Object.fromEntries(metaPairs)
          const bytes = encodeSafetensorsEntries(entries, metadata)
          const st = rightOf(decodeSafetensors(bytes))
          expect(st.entries.map((e) => e.name)).toEqual(entries.map(([n]) => n))
          expect(Object.keys(st.tensors).length).toBe(entries.length)
          for (const [name, t] of entries) {
            expect(st.tensors[name]!.shape).toEqual(t.shape)
            expect(bits(st.tensors[name]!.data)).toEqual(bits(t.data))
          }
          expect(st.metadata).toEqual(metadata)
        },
      ),
    )
  })
})

describe('decodeSafetensors: every defect is a one-line Left', () => {
  const t4 = '"dtype":"F32","shape":[1]'
  const zeros = (n: number): number[] => new Array<number>(n).fill(0)
  const cases: [string, Uint8Array, string][] = [
    ['too short', new Uint8Array(5), 'the file is 5 bytes long, too short for the 8-byte header length'],
    ['header length past the end', fileOf('{}').subarray(0, 9), 'header length 2 runs past the end of the file (1 bytes follow the length field)'],
    ['not an object', fileOf('[1]'), "the header does not start with '{'"],
    ['empty header', fileOf(''), "the header does not start with '{'"],
    ['invalid UTF-8', (() => {
      const f = fileOf('{"?":1}')
      f[10] = 0xff
      return f
    })(), 'the header is not valid UTF-8'],
    ['bad JSON', fileOf('{"a":}'), 'the header is not valid JSON: expected a value but found "}" at character 5'],
    ['text after the JSON', fileOf('{} x'), 'the header is not valid JSON: expected end of text but found "x" at character 3'],
    ['nesting bomb', fileOf(`{"__metadata__":${'['.repeat(100)}${']'.repeat(100)}}`), 'the header is not valid JSON: nesting deeper than 64 levels at character 80'],
    ['duplicate tensor', fileOf(`{"a":{${t4},"data_offsets":[0,4]},"a":{${t4},"data_offsets":[4,8]}}`, zeros(8)), "the header names tensor 'a' twice"],
    ['duplicate metadata', fileOf('{"__metadata__":{},"__metadata__":{}}'), 'the header has __metadata__ twice'],
    ['metadata not strings', fileOf('{"__metadata__":{"epochs":10}}'), "__metadata__ 'epochs' is 10, not a string"],
    ['metadata not an object', fileOf('{"__metadata__":["x"]}'), '__metadata__ is ["x"], not an object of strings'],
    ['duplicate metadata key', fileOf('{"__metadata__":{"a":"1","a":"2"}}'), "__metadata__ has the key 'a' twice"],
    ['entry not an object', fileOf('{"a":[0,4]}'), "tensor 'a': entry is [0, 4], not an object"],
    ['a newline in a name stays escaped', fileOf('{"a\\nb":5}'), "tensor 'a\\u000ab': entry is 5, not an object"],
    ['duplicate field', fileOf(`{"a":{"dtype":"F32",${t4},"data_offsets":[0,4]}}`, zeros(4)), "tensor 'a': field 'dtype' appears twice"],
    ['no dtype', fileOf('{"a":{"shape":[1],"data_offsets":[0,4]}}', zeros(4)), "tensor 'a': no dtype"],
    ['no shape', fileOf('{"a":{"dtype":"F32","data_offsets":[0,4]}}', zeros(4)), "tensor 'a': no shape"],
    ['no offsets', fileOf(`{"a":{${t4}}}`, zeros(4)), "tensor 'a': no data_offsets"],
    ['F16', fileOf('{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}', zeros(4)), "tensor 'a': dtype F16 is not supported (only F32 and I32 are)"],
    ['unknown dtype', fileOf('{"a":{"dtype":"Q8","shape":[2],"data_offsets":[0,4]}}', zeros(4)), 'tensor \'a\': unknown dtype "Q8"'],
    ['dtype not a string', fileOf('{"a":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}', zeros(4)), "tensor 'a': dtype is 32, not a string"],
    ['negative dim', fileOf('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}', zeros(4)), "tensor 'a': shape [-1] is not a list of non-negative integers"],
    ['fractional dim', fileOf('{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}', zeros(4)), "tensor 'a': shape [1.0] is not a list of non-negative integers"],
    ['exponent dim', fileOf('{"a":{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}}', zeros(4)), "tensor 'a': shape [1e0] is not a list of non-negative integers"],
    ['dim past 2^53', fileOf('{"a":{"dtype":"F32","shape":[9007199254740993],"data_offsets":[0,4]}}', zeros(4)), "tensor 'a': shape [9007199254740993] is not a list of non-negative integers"],
    ['shape a string', fileOf('{"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}', zeros(4)), 'tensor \'a\': shape "1" is not a list of non-negative integers'],
    ['one offset', fileOf(`{"a":{${t4},"data_offsets":[0]}}`, zeros(4)), "tensor 'a': data_offsets [0] is not a pair of non-negative integers"],
    ['offsets reversed', fileOf(`{"a":{${t4},"data_offsets":[4,0]}}`, zeros(4)), "tensor 'a': data_offsets [4, 0] end before they begin"],
    ['offsets past the data', fileOf(`{"a":{${t4},"data_offsets":[0,8]}}`, zeros(4)), "tensor 'a': data_offsets [0, 8] run past the end of the data (4 bytes)"],
    [
      'size against shape',
      fileOf('{"0.weight":{"dtype":"F32","shape":[6,1,5,5],"data_offsets":[0,596]}}', zeros(596)),
      "tensor '0.weight': data_offsets [0, 596] hold 149 floats but shape [6, 1, 5, 5] needs 150",
    ],
    ['part of a value', fileOf(`{"a":{${t4},"data_offsets":[0,3]}}`, zeros(3)), "tensor 'a': data_offsets [0, 3] hold 3 bytes, not a whole number of F32 values (shape [1] needs 1)"],
    ['I32 size', fileOf('{"a":{"dtype":"I32","shape":[1],"data_offsets":[0,8]}}', zeros(8)), "tensor 'a': data_offsets [0, 8] hold 2 ints but shape [1] needs 1"],
    ['gap at the start', fileOf(`{"a":{${t4},"data_offsets":[4,8]}}`, zeros(8)), 'bytes [0, 4) of the data belong to no tensor'],
    ['gap between', fileOf(`{"a":{${t4},"data_offsets":[0,4]},"b":{${t4},"data_offsets":[8,12]}}`, zeros(12)), 'bytes [4, 8) of the data belong to no tensor'],
    [
      'overlap',
      fileOf(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{${t4},"data_offsets":[4,8]}}`, zeros(8)),
      "tensor 'b' (data_offsets [4, 8]) overlaps tensor 'a' (data_offsets [0, 8])",
    ],
    ['bytes after the last tensor', fileOf(`{"a":{${t4},"data_offsets":[0,4]}}`, zeros(8)), 'the last 4 bytes of the data (from 4) belong to no tensor'],
  ]
  it.each(cases)('%s', (_, bytes, message) => {
    const e = leftOf(decodeSafetensors(bytes))
    expect(e).toEqual({ _tag: 'FormatError', message })
    expectOneLine(e.message)
  })

  it('a header length beyond the 100 MB limit of the format', () => {
    const n = MAX_HEADER_BYTES + 8
    const bytes = new Uint8Array(8 + n)
    new DataView(bytes.buffer).setBigUint64(0, BigInt(n), true)
    expect(leftOf(decodeSafetensors(bytes)).message).toBe(`header length ${n} exceeds the 100000000-byte limit of the format`)
  })

  it('a header length past 2^53 is not rounded into range', () => {
    const bytes = fileOf('{}')
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 64n - 1n, true)
    expect(leftOf(decodeSafetensors(bytes)).message).toBe('header length 18446744073709551615 runs past the end of the file (2 bytes follow the length field)')
  })
})

describe('fuzzing decodeSafetensors: never throws; a Left is one line, a Right is consistent', () => {
  const sample = encodeSafetensorsEntries(
    [
      ['0.weight', { shape: [2, 1, 3], data: f32(1, 2, 3, 4, 5, 6) }],
      ['0.bias', { shape: [2], data: f32(-1, 0.5) }],
      ['s', { shape: [], data: f32(7) }],
    ],
    { format: 'pt', note: 'fuzz' },
  )
  const consistent = (r: ReturnType<typeof decodeSafetensors>): void => {
    if (E.isLeft(r)) return expectOneLine(r.left.message)
    for (const e of r.right.entries) {
      const t = r.right.tensors[e.name]!
      expect(t.data.length).toBe(e.shape.reduce((a, d) => a * d, 1))
      expect(e.end - e.begin).toBe(t.data.length * 4)
    }
  }

  it('truncated at every length', () => {
    for (let k = 0; k < sample.length; k++) {
      const r = decodeSafetensors(sample.subarray(0, k))
      expectOneLine(leftOf(r).message)
    }
  })

  it('property: a flipped byte, an inserted or deleted byte, a rewritten length', () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('flip' as const), at: fc.nat(sample.length - 1), mask: fc.integer({ min: 1, max: 255 }) }),
      fc.record({ op: fc.constant('insert' as const), at: fc.nat(sample.length), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ op: fc.constant('delete' as const), at: fc.nat(sample.length - 1) }),
      fc.record({ op: fc.constant('length' as const), n: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) }),
    )
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        let b = Uint8Array.from(sample)
        for (const m of ms) {
          if (m.op === 'flip') b[m.at % b.length]! ^= m.mask
          else if (m.op === 'insert') b = Uint8Array.from([...b.subarray(0, m.at), m.byte, ...b.subarray(m.at)])
          else if (m.op === 'delete') b = Uint8Array.from([...b.subarray(0, m.at), ...b.subarray(m.at + 1)])
          else new DataView(b.buffer).setBigUint64(0, m.n, true)
        }
        consistent(decodeSafetensors(b))
      }),
      { numRuns: 500 },
    )
  })

  it('property: random bytes, and random JSON as a header', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => consistent(decodeSafetensors(b))))
    fc.assert(fc.property(fc.json(), fc.uint8Array({ maxLength: 16 }), (j, data) => consistent(decodeSafetensors(fileOf(j, data)))))
  })
})
