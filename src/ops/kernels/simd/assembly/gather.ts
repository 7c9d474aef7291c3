// ---- batches from grey-level bytes: gather rows by index, scale to [0, 1] ----
//
// Why: a training batch of 256 Fashion-MNIST images is 200K bytes to gather in shuffled order and turn
// into floats; a JS loop takes ~0.6 ms per batch and the result is then copied into the heap. With the
// bytes on the heap (uploaded once per pass) this writes the batch tensor directly, 16 pixels per step.

/**
 * Rows [lo, hi) of out [size, per] (float32) = bytes[idx[r] * per ..][0, per) / 255, with `bytes` a
 * byte array on the heap and `idx` int32 [size]. The division is IEEE single precision, correctly
 * rounded: the same floats as a table of v / 255 rounded to float32.
 */
export function gatherBytes(lo: i32, hi: i32, slot: i32, bytes: usize, idx: usize, out: usize, per: i32): void {
  const d255 = f32x4.splat(255.0)
  for (let r = lo; r < hi; r++) {
    const src = bytes + <usize>load<i32>(idx + (<usize>r << 2)) * <usize>per
    const dst = out + (<usize>(r * per) << 2)
    let i = 0
    for (; i + 16 <= per; i += 16) {
      const v = v128.load(src + i)
      const lo16 = i16x8.extend_low_i8x16_u(v)
      const hi16 = i16x8.extend_high_i8x16_u(v)
      const o = dst + (<usize>i << 2)
      v128.store(o, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo16)), d255))
      v128.store(o, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo16)), d255), 16)
      v128.store(o, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi16)), d255), 32)
      v128.store(o, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi16)), d255), 48)
    }
    for (; i < per; i++) store<f32>(dst + (<usize>i << 2), <f32>load<u8>(src + i) / <f32>255.0)
  }
}
