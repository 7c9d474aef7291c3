import * as E from 'fp-ts/lib/Either.js'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { encodeIdx, idxMagic, parseIdx } from '../../../src/runtime/data/idx.js'

const left = <A>(r: E.Either<{ _tag: string }, A>) => {
  if (E.isRight(r)) throw new Error('expected Left')
  return r.left
}

describe('IDX encode/parse', () => {
  it('writes the documented header bytes', () => {
    expect([...encodeIdx([2], Uint8Array.of(3, 7))]).toEqual([0, 0, 8, 1, 0, 0, 0, 2, 3, 7])
    expect(idxMagic(3)).toBe(0x803)
  })

  it('round-trips any ubyte array of rank 1..3', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }), fc.nat(), (dims, salt) => {
        const total = dims.reduce((a, b) => a * b, 1)
        const data = Uint8Array.from({ length: total }, (_, i) => (i * 13 + salt) % 256)
        const parsed = parseIdx(encodeIdx(dims, data), 'f', dims.length)
        expect(E.isRight(parsed)).toBe(true)
        if (E.isRight(parsed)) {
          expect(parsed.right.dims).toEqual(dims)
          expect([...parsed.right.data]).toEqual([...data])
        }
      }),
    )
  })

  it('rejects a wrong rank or element type as BadMagic', () => {
    const labels = encodeIdx([3], Uint8Array.of(1, 2, 3))
    const err = left(parseIdx(labels, 'labels-file', 3))
    expect(err).toMatchObject({ _tag: 'BadMagic', file: 'labels-file', expected: '0x00000803', got: '0x00000801' })
    const floats = labels.slice()
    floats[2] = 0x0d
    expect(left(parseIdx(floats, 'f', 1))._tag).toBe('BadMagic')
  })

  it('rejects short and long buffers', () => {
    const good = encodeIdx([2, 2, 2], new Uint8Array(8))
    expect(left(parseIdx(good.subarray(0, 2), 'f', 3))).toMatchObject({ _tag: 'Truncated', file: 'f' })
    expect(left(parseIdx(good.subarray(0, 10), 'f', 3))).toMatchObject({ _tag: 'Truncated', expectedBytes: 16 })
    expect(left(parseIdx(good.subarray(0, good.length - 1), 'f', 3))).toMatchObject({
      _tag: 'Truncated',
      expectedBytes: 24,
      gotBytes: 23,
    })
    const long = new Uint8Array(good.length + 3)
    long.set(good)
    expect(left(parseIdx(long, 'f', 3))).toMatchObject({ _tag: 'TrailingBytes', expectedBytes: 24, gotBytes: 27 })
  })

  it('refuses to encode data that does not match the dims', () => {
    expect(() => encodeIdx([2, 2], new Uint8Array(3))).toThrow(RangeError)
  })
})
