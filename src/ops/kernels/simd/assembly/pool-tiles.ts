import { loadPart, storePart } from './common'

// ---- non-overlapping pooling (stride = window, no padding) ----

/**
 * Output rows [lo, hi) (of N*OH) of y [N, OH, OW, C] = the mean (isMax 0) or max (isMax 1) of each
 * kH x kW window of x [N, H, W, C], windows side by side from the top-left corner (rows and columns past
 * the last whole window are not read). The kH input rows are first combined as whole vectors into the
 * slot's scratch row [W*C]; its kW-column groups are then combined per channel. Max propagates NaN.
 */
export function poolTiles(lo: i32, hi: i32, slot: i32, x: usize, y: usize, scratch: usize, h: i32, w: i32, c: i32, oh: i32, ow: i32, kh: i32, kw: i32, isMax: i32): void {
  const row = ow * kw * c
  const tmp = scratch + (<usize>(slot * w * c) << 2)
  const scale = f32x4.splat(<f32>1.0 / <f32>(kh * kw))
  const rowBytes = <usize>(w * c) << 2
  for (let r = lo; r < hi; r++) {
    const b = r / oh
    const oy = r - b * oh
    const top = x + (<usize>((b * h + oy * kh) * w * c) << 2)
    let i = 0
    for (; i + 4 <= row; i += 4) {
      const o = <usize>i << 2
      let v = v128.load(top + o)
      for (let ky = 1; ky < kh; ky++) {
        const u = v128.load(top + <usize>ky * rowBytes + o)
        v = isMax != 0 ? f32x4.max(v, u) : f32x4.add(v, u)
      }
      v128.store(tmp + o, isMax != 0 ? v : f32x4.mul(v, scale))
    }
    for (; i < row; i++) {
      const o = <usize>i << 2
      let v = load<f32>(top + o)
      for (let ky = 1; ky < kh; ky++) {
        const u = load<f32>(top + <usize>ky * rowBytes + o)
        v = isMax != 0 ? max(v, u) : v + u
      }
      store<f32>(tmp + o, isMax != 0 ? v : v * f32x4.extract_lane(scale, 0))
    }
    const out = y + (<usize>(r * ow * c) << 2)
    for (let ox = 0; ox < ow; ox++) {
      const src = tmp + (<usize>(ox * kw * c) << 2)
      const dst = out + (<usize>(ox * c) << 2)
      // whole vectors, then the channel tail as one partial vector
      for (let k = 0; k < c; k += 4) {
        const valid = min(4, c - k)
        const o = <usize>k << 2
        let v = loadPart(src + o, valid)
        for (let kx = 1; kx < kw; kx++) {
          const u = loadPart(src + <usize>(kx * c) * 4 + o, valid)
          v = isMax != 0 ? f32x4.max(v, u) : f32x4.add(v, u)
        }
        storePart(dst + o, v, valid)
      }
    }
  }
}
