// ---- invalid-input counts (the training step's check of every batch) ----

/** Elements per work item of the counting kernels. */
const BLOCK = 4096

/**
 * Blocks [lo, hi) of BLOCK elements of x [len]: scratch (i32) slot `slot` = how many are not finite
 * (exponent bits all ones: inf or NaN) when `classes` is 0, else how many are not an integer class in
 * [0, classes) (x float32 when `isFloat`, else int32).
 */
export function countInvalid(lo: i32, hi: i32, slot: i32, x: usize, scratch: usize, len: i32, classes: i32, isFloat: i32): void {
  let bad = i32x4.splat(0)
  let tail = 0
  const expMask = i32x4.splat(0x7f800000)
  const top = i32x4.splat(classes)
  const topF = f32x4.splat(<f32>classes)
  const zero = i32x4.splat(0)
  const zeroF = f32x4.splat(0)
  for (let blk = lo; blk < hi; blk++) {
    const start = blk * BLOCK
    const end = min(len, start + BLOCK)
    let i = start
    for (; i + 4 <= end; i += 4) {
      const v = v128.load(x + (<usize>i << 2))
      let hit: v128
      if (classes == 0) hit = i32x4.eq(v128.and(v, expMask), expMask)
      else if (isFloat != 0) hit = v128.not(v128.and(v128.and(f32x4.ge(v, zeroF), f32x4.lt(v, topF)), f32x4.eq(v, f32x4.floor(v))))
      else hit = v128.or(i32x4.lt_s(v, zero), i32x4.ge_s(v, top))
      bad = i32x4.sub(bad, hit)
    }
    for (; i < end; i++) {
      const p = x + (<usize>i << 2)
      if (classes == 0) tail += i32((load<u32>(p) & 0x7f800000) == 0x7f800000)
      else if (isFloat != 0) {
        const v = load<f32>(p)
        tail += i32(!(v >= 0 && v < <f32>classes && v == Mathf.floor(v)))
      } else {
        const v = load<i32>(p)
        tail += i32(v < 0 || v >= classes)
      }
    }
  }
  store<i32>(scratch + (<usize>slot << 2), i32x4.extract_lane(bad, 0) + i32x4.extract_lane(bad, 1) + i32x4.extract_lane(bad, 2) + i32x4.extract_lane(bad, 3) + tail)
}
