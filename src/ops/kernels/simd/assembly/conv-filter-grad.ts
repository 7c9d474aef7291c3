import { fillZero, madd, storePart } from './common'

// ---- conv2d filter gradient ----

/**
 * Per-range partial sums of dW [KH, KW, Ci, Co] of an NHWC conv2d over an x already padded (no bounds
 * checks: every tap of every output position reads inside xp [N, HP, WP, Ci]), as a GEMM
 * dW[m, co] = sum over positions p of X[p, m] * dy[p, co], row m = (ky, kx, ci) reading xp at p's window
 * corner plus a fixed offset. Work units [lo, hi) of N * yBlocks: unit u is image u / yBlocks, its
 * output rows block u % yBlocks of yBlocks (so a small batch still splits over two threads). The range
 * writes its sums afresh to parts[slot] [M = KH*KW*Ci, CoP = Co rounded up to 4], which the caller adds
 * up over the slots in order into dW.
 * Loop order: passes of `chunk` whole images (or one unit when yBlocks > 1), small enough to stay in
 * cache; in each pass every tile of R rows x 4V output channels keeps its R*V accumulators in registers
 * over all of the pass's positions (one long loop per output row: dy's rows are contiguous, x's jump by
 * the row stride), then adds them to parts. Tiles: 2 x 16 channels, 4 x 8 (Co tails: 2 x 12, 4 x 4),
 * at most 8 accumulators plus the R splats and V dy vectors of a position: V8 keeps ~13 v128 values
 * in registers, and 8 independent accumulators hide the latency of the multiply-adds.
 * Channel tails read whole vectors past the last output channel (the caller keeps 16 bytes readable
 * after dy; those lanes land in parts' padding columns or are dropped).
 */
export function conv2dFilterGrad(
  lo: i32, hi: i32, slot: i32, xp: usize, dy: usize, parts: usize,
  hp: i32, wp: i32, ci: i32, oh: i32, ow: i32, co: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dwl: i32, yBlocks: i32, chunk: i32,
): void {
  const m = kh * kw * ci
  const coP = (co + 3) & ~3
  const out = parts + (<usize>slot * <usize>m * <usize>coP << 2)
  fillZero(out, m * coP * 4, f32x4.splat(0))
  const rowBytes = <usize>coP << 2
  for (let u0 = lo; u0 < hi; u0 += chunk) {
    const u1 = min(hi, u0 + chunk)
    // the pass: images [b0, b1), output rows [y0, y1) of each
    let b0 = u0, b1 = u1, y0 = 0, y1 = oh
    if (yBlocks > 1) {
      b0 = u0 / yBlocks
      b1 = b0 + 1
      const yb = u0 - b0 * yBlocks
      y0 = yb * oh / yBlocks
      y1 = (yb + 1) * oh / yBlocks
    }
    for (let o0 = 0; o0 < co; o0 += 16) {
      const v = min(4, (co - o0 + 3) >> 2)
      // V channel vectors, up to 8 / V rows per tile; rows split into equal tiles (25 rows of 8
      // channels: 4 tiles of 4 and 3 of 3, never a lone row with few accumulators)
      const rmax = v > 2 ? 2 : 4
      const tiles = (m + rmax - 1) / rmax
      // (ky, kx, c) of the tile's first row, stepped rather than divided out of the row index: V8 placed
      // such divisions (and their trap checks) inside the position loops, once per output row
      let ky = 0, kx = 0, c = 0
      for (let t = 0; t < tiles; t++) {
        const r0 = t * m / tiles
        const rows = (t + 1) * m / tiles - r0
        const f0 = rowOffset(ky, kx, c, wp, ci, dh, dwl)
        c++; if (c == ci) { c = 0; kx++; if (kx == kw) { kx = 0; ky++ } }
        let f1: usize = 0, f2: usize = 0, f3: usize = 0
        if (rows > 1) {
          f1 = rowOffset(ky, kx, c, wp, ci, dh, dwl)
          c++; if (c == ci) { c = 0; kx++; if (kx == kw) { kx = 0; ky++ } }
        }
        if (rows > 2) {
          f2 = rowOffset(ky, kx, c, wp, ci, dh, dwl)
          c++; if (c == ci) { c = 0; kx++; if (kx == kw) { kx = 0; ky++ } }
        }
        if (rows > 3) {
          f3 = rowOffset(ky, kx, c, wp, ci, dh, dwl)
          c++; if (c == ci) { c = 0; kx++; if (kx == kw) { kx = 0; ky++ } }
        }
        const acc = out + (<usize>(r0 * coP + o0) << 2)
        switch (v * 8 + rows) {
          case 33: tile(1, 4, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3); break
          case 34: tile(2, 4, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3); break
          case 25: tile(1, 3, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3); break
          case 26: tile(2, 3, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3); break
          case 17: tile(1, 2, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3); break
          case 18: tile(2, 2, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3); break
          case 19: tile(3, 2, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3); break
          case 20: tile(4, 2, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3); break
          case 9: tile(1, 1, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3); break
          case 10: tile(2, 1, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3); break
          case 11: tile(3, 1, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3); break
          default: tile(4, 1, xp, dy, acc, rowBytes, b0, b1, y0, y1, hp, wp, ci, oh, ow, co, sh, sw, o0, f0, f1, f2, f3)
        }
      }
    }
  }
}

/**
 * Rows [lo, hi) of dW [M, Co] = the sum of {@link conv2dFilterGrad}'s `ranges` slots [M, CoP] of parts,
 * added in slot order (the same bits whichever thread filled which slot).
 */
export function conv2dFilterGradFold(lo: i32, hi: i32, slot: i32, parts: usize, dw: usize, m: i32, co: i32, ranges: i32): void {
  const coP = (co + 3) & ~3
  const slotBytes = <usize>m * <usize>coP << 2
  for (let r = lo; r < hi; r++) {
    const src = parts + (<usize>(r * coP) << 2)
    const dst = dw + (<usize>(r * co) << 2)
    for (let o = 0; o < co; o += 4) {
      let sum = v128.load(src + (<usize>o << 2))
      for (let s = 1; s < ranges; s++) sum = f32x4.add(sum, v128.load(src + <usize>s * slotBytes + (<usize>o << 2)))
      storePart(dst + (<usize>o << 2), sum, co - o)
    }
  }
}

/** Byte offset of row (ky, kx, c) from a position's window corner in xp. */
// @ts-ignore: decorator
@inline function rowOffset(ky: i32, kx: i32, c: i32, wp: i32, ci: i32, dh: i32, dwl: i32): usize {
  return <usize>((ky * dh * wp + kx * dwl) * ci + c) << 2
}

/** Adds a tile's accumulator into parts. */
// @ts-ignore: decorator
@inline function flush(p: usize, v: v128): void {
  v128.store(p, f32x4.add(v128.load(p), v))
}

/**
 * One tile's loop over the pass's positions: rows at byte offsets f0..f3 (R of them, 1..4), channels
 * [o0, o0 + 4V) (V 1..4, R * V <= 8), both constant at each call site so the optimizer drops the unused
 * accumulators. `acc`: the tile's first row in parts, `rowBytes` apart.
 */
// @ts-ignore: decorator
@inline function tile(
  R: i32, V: i32, xp: usize, dy: usize, acc: usize, rowBytes: usize, b0: i32, b1: i32, y0: i32, y1: i32,
  hp: i32, wp: i32, ci: i32, oh: i32, ow: i32, co: i32, sh: i32, sw: i32, o0: i32, f0: usize, f1: usize, f2: usize, f3: usize,
): void {
  const z = f32x4.splat(0)
  // accumulator of row r, channel vector j: a[r * V + j] (at most 8)
  let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z
  const xStep = <usize>(sw * ci) << 2
  const rowSkip = (<usize>(sh * wp * ci) << 2) - <usize>ow * xStep
  const dyStep = <usize>co << 2
  for (let b = b0; b < b1; b++) {
    let x = xp + (<usize>((b * hp + y0 * sh) * wp * ci) << 2)
    let d = dy + (<usize>(((b * oh + y0) * ow) * co + o0) << 2)
    for (let y = y0; y < y1; y++) {
      for (let k = 0; k < ow; k++) {
        const d0 = v128.load(d)
        let d1 = z, d2 = z, d3 = z
        if (V > 1) d1 = v128.load(d, 16)
        if (V > 2) d2 = v128.load(d, 32)
        if (V > 3) d3 = v128.load(d, 48)
        const s0 = v128.load32_splat(x + f0)
        a0 = madd(s0, d0, a0)
        if (V > 1) a1 = madd(s0, d1, a1)
        if (V > 2) a2 = madd(s0, d2, a2)
        if (V > 3) a3 = madd(s0, d3, a3)
        if (R > 1) {
          const s1 = v128.load32_splat(x + f1)
          if (V == 1) a1 = madd(s1, d0, a1)
          if (V == 2) { a2 = madd(s1, d0, a2); a3 = madd(s1, d1, a3) }
          if (V > 2) {
            a4 = madd(s1, d0, a4); a5 = madd(s1, d1, a5); a6 = madd(s1, d2, a6)
            if (V > 3) a7 = madd(s1, d3, a7)
          }
        }
        if (R > 2) {
          const s2 = v128.load32_splat(x + f2)
          if (V == 1) a2 = madd(s2, d0, a2)
          else { a4 = madd(s2, d0, a4); a5 = madd(s2, d1, a5) }
        }
        if (R > 3) {
          const s3 = v128.load32_splat(x + f3)
          if (V == 1) a3 = madd(s3, d0, a3)
          else { a6 = madd(s3, d0, a6); a7 = madd(s3, d1, a7) }
        }
        x += xStep
        d += dyStep
      }
      x += rowSkip
    }
  }
  if (V == 1) {
    flush(acc, a0)
    if (R > 1) flush(acc + rowBytes, a1)
    if (R > 2) flush(acc + 2 * rowBytes, a2)
    if (R > 3) flush(acc + 3 * rowBytes, a3)
  } else if (V == 2) {
    flush(acc, a0); flush(acc + 16, a1)
    if (R > 1) { flush(acc + rowBytes, a2); flush(acc + rowBytes + 16, a3) }
    if (R > 2) { flush(acc + 2 * rowBytes, a4); flush(acc + 2 * rowBytes + 16, a5) }
    if (R > 3) { flush(acc + 3 * rowBytes, a6); flush(acc + 3 * rowBytes + 16, a7) }
  } else {
    flush(acc, a0); flush(acc + 16, a1); flush(acc + 32, a2)
    if (V > 3) flush(acc + 48, a3)
    if (R > 1) {
      flush(acc + rowBytes, a4); flush(acc + rowBytes + 16, a5); flush(acc + rowBytes + 32, a6)
      if (V > 3) flush(acc + rowBytes + 48, a7)
    }
  }
}

// ---- spatial zero padding ----

/**
 * Rows [r0, r1) of xp [N*HP, WP, C] = x [N, H, W, C] placed at (top, left), zeros around it (the
 * filter-gradient kernel's input: tfjs-wasm's pad is a scalar loop, ~20x slower than this copy).
 */
export function padRows(r0: i32, r1: i32, slot: i32, x: usize, xp: usize, h: i32, w: i32, c: i32, hp: i32, wp: i32, top: i32, left: i32): void {
  const z = f32x4.splat(0)
  const rowBytes = wp * c * 4
  for (let r = r0; r < r1; r++) {
    const b = r / hp
    const y = r - b * hp - top
    const dst = xp + (<usize>r * <usize>rowBytes)
    if (y < 0 || y >= h) {
      fillZero(dst, rowBytes, z)
      continue
    }
    const lead = left * c * 4
    const body = w * c * 4
    fillZero(dst, lead, z)
    memory.copy(dst + lead, x + (<usize>((b * h + y) * w * c) << 2), body)
    fillZero(dst + lead + body, rowBytes - lead - body, z)
  }
}
