import { describe, expect, it } from 'vitest'
import { decodeNpy, encodeNpy } from './npy.js'

describe('.npy files for the end-to-end benchmark', () => {
  it('writes the header numpy.load expects: magic, version 1.0, a dict padded to 64 bytes', () => {
    const bytes = encodeNpy(new Uint8Array([1, 2, 3, 4, 5, 6]), [2, 1, 3])
    expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0])
    const len = bytes[8]! + 256 * bytes[9]!
    expect((10 + len) % 64).toBe(0)
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + len))
    expect(header.trimEnd()).toBe("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 1, 3), }")
    expect(header.endsWith('\n')).toBe(true)
    expect([...bytes.subarray(10 + len)]).toEqual([1, 2, 3, 4, 5, 6])
  })
  it('round-trips images and labels of each type, a 1-d shape with its trailing comma', () => {
    const images = Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => (i * 37) % 256)
    const back = decodeNpy(encodeNpy(images, [3, 1, 28, 28]))
    expect(back.shape).toEqual([3, 1, 28, 28])
    expect(back.data).toBeInstanceOf(Uint8Array)
    expect([...back.data]).toEqual([...images])
    const labels = new Uint8Array([0, 9, 3])
    expect(new TextDecoder().decode(encodeNpy(labels, [3]))).toContain("'shape': (3,)")
    expect([...decodeNpy(encodeNpy(labels, [3])).data]).toEqual([0, 9, 3])
    const ints = decodeNpy(encodeNpy(new Int32Array([-1, 2 ** 30]), [2]))
    expect(ints.data).toBeInstanceOf(Int32Array)
    expect([...ints.data]).toEqual([-1, 2 ** 30])
    const floats = decodeNpy(encodeNpy(new Float32Array([0.5, -2.25]), [1, 2]))
    expect([...floats.data]).toEqual([0.5, -2.25])
    expect(floats.shape).toEqual([1, 2])
  })
  it('writes a view of a larger buffer as just its elements', () => {
    const big = new Uint8Array([9, 9, 1, 2, 9])
    expect([...decodeNpy(encodeNpy(big.subarray(2, 4), [2])).data]).toEqual([1, 2])
  })
  it('refuses a shape that does not hold the data, and bytes that are no .npy', () => {
    expect(() => encodeNpy(new Uint8Array(5), [2, 3])).toThrow(/does not hold 5/)
    expect(() => decodeNpy(new Uint8Array(16))).toThrow(/not a version 1.0/)
  })
})
