// SIMD128 kernels over tfjs-backend-wasm's heap (AssemblyScript; built by scripts/build-kernels.mjs).
// Every pointer is a byte offset into the imported (shared) memory; every tensor is float32, row-major.
// Every exported kernel is `(lo, hi, slot, ...args)`: it does work items [lo, hi), one of the up to 16
// ranges a call is cut into (two threads claim them, heap-threads.ts); `slot` is the range's index and
// picks the rows of the scratch buffer where its partial sums go, which the caller reduces in slot
// order: the result is bitwise the same on one thread or two. No static data, no allocation:
// the module must not write anywhere but the pointers it is given.

// ---- sigmoid backward, optionally through a non-overlapping k x k average pool, plus bias sums ----

/**
 * Image rows [r0, r1) of y [N*H, W, C]: dx = up(dp) * y * (1 - y), where up(dp) repeats dp
 * [N, OH, OW, C] over kH x kW tiles, times `scale` (kH = kW = 1 and scale = 1: plain sigmoidGrad with
 * dy = dp, any [R, W*C]). Scratch per slot: [2, W*C], row 0 = the sum of the dx rows (the caller folds it into
 * the bias sums), row 1 holds the upsampled dp row. `dx` = 0 skips writing dx.
 */
export function sigmoidGradRows(
  r0: i32, r1: i32, slot: i32,
  y: usize, dp: usize, dx: usize, scratch: usize, h: i32, w: i32, c: i32, oh: i32, ow: i32, kH: i32, kW: i32, scale: f32,
): void {
  const row = w * c
  const rowAcc = scratch + (<usize>(slot * 2 * row) << 2)
  const tmp = rowAcc + (<usize>row << 2)
  // the slot is this range's alone: start from zero, so a range can be rerun
  fillZero(rowAcc, row * 4, f32x4.splat(0))
  const pooled = kH != 1 || kW != 1
  const one = f32x4.splat(1.0)
  for (let r = r0; r < r1; r++) {
    const n = r / h
    const hh = r - n * h
    let src: usize
    if (pooled) {
      const prow = dp + (<usize>((n * oh + hh / kH) * ow * c) << 2)
      for (let x = 0; x < w; x++) {
        const ps = prow + (<usize>((x / kW) * c) << 2)
        const ts = tmp + (<usize>(x * c) << 2)
        for (let k = 0; k < c; k++) store<f32>(ts + (<usize>k << 2), load<f32>(ps + (<usize>k << 2)) * scale)
      }
      src = tmp
    } else {
      src = dp + (<usize>(r * row) << 2)
    }
    const yr = y + (<usize>(r * row) << 2)
    const dr = dx + (<usize>(r * row) << 2)
    let i = 0
    for (; i + 4 <= row; i += 4) {
      const o = <usize>i << 2
      const yv = v128.load(yr + o)
      const g = f32x4.mul(v128.load(src + o), f32x4.mul(yv, f32x4.sub(one, yv)))
      if (dx != 0) v128.store(dr + o, g)
      v128.store(rowAcc + o, f32x4.add(v128.load(rowAcc + o), g))
    }
    for (; i < row; i++) {
      const o = <usize>i << 2
      const yv = load<f32>(yr + o)
      const g = load<f32>(src + o) * yv * (1.0 - yv)
      if (dx != 0) store<f32>(dr + o, g)
      store<f32>(rowAcc + o, load<f32>(rowAcc + o) + g)
    }
  }
}

/** Rows [r0, r1) of x [R, F]: scratch row `slot` of [16, F] = the sum of the rows (sums over every axis but the last). */
export function columnSums(r0: i32, r1: i32, slot: i32, x: usize, scratch: usize, f: i32): void {
  const rowAcc = scratch + (<usize>(slot * f) << 2)
  fillZero(rowAcc, f * 4, f32x4.splat(0))
  for (let r = r0; r < r1; r++) {
    const xr = x + (<usize>(r * f) << 2)
    let i = 0
    for (; i + 4 <= f; i += 4) {
      const o = <usize>i << 2
      v128.store(rowAcc + o, f32x4.add(v128.load(rowAcc + o), v128.load(xr + o)))
    }
    for (; i < f; i++) {
      const o = <usize>i << 2
      store<f32>(rowAcc + o, load<f32>(rowAcc + o) + load<f32>(xr + o))
    }
  }
}

// ---- conv2d filter gradient ----

/**
 * Partial sums of dW [KH, KW, Ci, Co] of an NHWC conv2d over an x already padded (no bounds checks: every
 * tap of every output position reads inside xp [N, HP, WP, Ci]). Items [lo, hi) of KH * ceil(KW/5) * Ci *
 * ceil(Co/8) * blocks: an item is one kernel row, up to 5 taps of it, one input channel, up to 8 output
 * channels (so its 5 x 2 accumulators stay in registers) and one of `blocks` equal runs of images (so a
 * small filter still splits evenly over two threads). Item i writes its sums to parts [i, 5 taps, 8], which
 * the caller adds up over the image blocks in order into dW.
 * dW[kh,kw,ci,co] = sum over n, oh, ow of xp[n, oh*sh + kh*dh, ow*sw + kw*dw, ci] * dy[n, oh, ow, co].
 * Channel tails read whole vectors past the last output channel (the caller keeps 16 bytes readable
 * after dy) and drop those lanes.
 */
export function conv2dFilterGrad(
  lo: i32, hi: i32, slot: i32, xp: usize, dy: usize, parts: usize,
  n: i32, hp: i32, wp: i32, ci: i32, oh: i32, ow: i32, co: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dwl: i32, blocks: i32,
): void {
  const kwBlocks = (kw + 4) / 5
  const coBlocks = (co + 7) >> 3
  for (let part = lo; part < hi; part++) {
    const blk = part % blocks
    const item = part / blocks
    const b0 = <i32>((<i64>blk * n) / blocks)
    const b1 = <i32>((<i64>(blk + 1) * n) / blocks)
    const cob = item % coBlocks
    let rest = item / coBlocks
    const c = rest % ci
    rest /= ci
    const kwb = rest % kwBlocks
    const ky = rest / kwBlocks
    const k0 = kwb * 5
    const taps = min(5, kw - k0)
    const o0 = cob << 3
    const two = min(8, co - o0) > 4
    const acc = parts + (<usize>(part * 40) << 2)
    for (let i = 0; i < 40; i += 4) v128.store(acc + (<usize>i << 2), f32x4.splat(0))
    switch (taps * 2 + (two ? 1 : 0)) {
      case 2: filterRows(1, false, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 3: filterRows(1, true, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 4: filterRows(2, false, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 5: filterRows(2, true, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 6: filterRows(3, false, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 7: filterRows(3, true, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 8: filterRows(4, false, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 9: filterRows(4, true, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      case 10: filterRows(5, false, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0); break
      default: filterRows(5, true, xp, dy, acc, b0, b1, hp, wp, ci, oh, ow, co, sh, sw, dh, dwl, ky, k0, c, o0)
    }
  }
}

/** Adds a partial sum vector into the item's accumulator slot `i` (of 10). */
// @ts-ignore: decorator
@inline function flush(acc: usize, i: i32, v: v128): void {
  const p = acc + (<usize>i << 4)
  v128.store(p, f32x4.add(v128.load(p), v))
}

/**
 * The item's loop over every output position, `taps` (1..5) and `two` (8 or 4 output channels) constant
 * at each call site, so the optimizer drops the unused accumulators.
 */
// @ts-ignore: decorator
@inline function filterRows(
  taps: i32, two: bool, xp: usize, dy: usize, acc: usize, b0: i32, b1: i32, hp: i32, wp: i32, ci: i32, oh: i32, ow: i32, co: i32,
  sh: i32, sw: i32, dh: i32, dwl: i32, ky: i32, k0: i32, c: i32, o0: i32,
): void {
  const z = f32x4.splat(0)
  const xStep = <usize>(sw * ci) << 2
  const tapStep = <usize>(dwl * ci) << 2
  const dyStep = <usize>co << 2
  for (let b = b0; b < b1; b++) {
    let a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, e0 = z, e1 = z, e2 = z, e3 = z, e4 = z
    for (let y = 0; y < oh; y++) {
      let x = xp + (<usize>((((b * hp + y * sh + ky * dh) * wp) + k0 * dwl) * ci + c) << 2)
      let d = dy + (<usize>(((b * oh + y) * ow) * co + o0) << 2)
      for (let k = 0; k < ow; k++) {
        const d0 = v128.load(d)
        const x0 = v128.load32_splat(x)
        a0 = f32x4.add(a0, f32x4.mul(x0, d0))
        let d1 = z
        if (two) {
          d1 = v128.load(d, 16)
          e0 = f32x4.add(e0, f32x4.mul(x0, d1))
        }
        if (taps > 1) {
          const x1 = v128.load32_splat(x + tapStep)
          a1 = f32x4.add(a1, f32x4.mul(x1, d0))
          if (two) e1 = f32x4.add(e1, f32x4.mul(x1, d1))
        }
        if (taps > 2) {
          const x2 = v128.load32_splat(x + 2 * tapStep)
          a2 = f32x4.add(a2, f32x4.mul(x2, d0))
          if (two) e2 = f32x4.add(e2, f32x4.mul(x2, d1))
        }
        if (taps > 3) {
          const x3 = v128.load32_splat(x + 3 * tapStep)
          a3 = f32x4.add(a3, f32x4.mul(x3, d0))
          if (two) e3 = f32x4.add(e3, f32x4.mul(x3, d1))
        }
        if (taps > 4) {
          const x4 = v128.load32_splat(x + 4 * tapStep)
          a4 = f32x4.add(a4, f32x4.mul(x4, d0))
          if (two) e4 = f32x4.add(e4, f32x4.mul(x4, d1))
        }
        x += xStep
        d += dyStep
      }
    }
    flush(acc, 0, a0); flush(acc, 1, e0)
    if (taps > 1) { flush(acc, 2, a1); flush(acc, 3, e1) }
    if (taps > 2) { flush(acc, 4, a2); flush(acc, 5, e2) }
    if (taps > 3) { flush(acc, 6, a3); flush(acc, 7, e3) }
    if (taps > 4) { flush(acc, 8, a4); flush(acc, 9, e4) }
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

// @ts-ignore: decorator
@inline function fillZero(p: usize, bytes: i32, z: v128): void {
  let i = 0
  for (; i + 16 <= bytes; i += 16) v128.store(p + i, z)
  for (; i < bytes; i += 4) store<f32>(p + i, 0)
}

// ---- partial vectors (channel tails) ----

/** Loads the first `valid` (1..4) floats at p into lanes 0.., zero-filling the rest (never reads past them). */
// @ts-ignore: decorator
@inline function loadPart(p: usize, valid: i32): v128 {
  if (valid >= 4) return v128.load(p)
  if (valid == 2) return v128.load64_zero(p)
  if (valid == 1) return v128.load32_zero(p)
  return f32x4.replace_lane(v128.load64_zero(p), 2, load<f32>(p, 8))
}

/** Stores the first `valid` (1..4) lanes of v at p. */
// @ts-ignore: decorator
@inline function storePart(p: usize, v: v128, valid: i32): void {
  if (valid >= 4) v128.store(p, v)
  else if (valid == 2) v128.store64_lane(p, v, 0)
  else if (valid == 1) v128.store32_lane(p, v, 0)
  else {
    v128.store64_lane(p, v, 0)
    v128.store32_lane(p, v, 2, 8)
  }
}

// ---- conv2d forward, one input channel, with bias and activation ----

/** Activations the forward conv applies in registers (the codes conv2dOneChannel's `act` takes). */
const LINEAR = 0
const RELU = 1
const SIGMOID = 2

/**
 * e^x for four lanes: 2^n * p(r) with n = round(x / ln 2), r = x - n ln 2 (two-part ln 2), p the
 * degree-6 Taylor polynomial (|r| <= 0.347: relative error under 2e-7); x is clamped to [-87.3, 88],
 * where e^x stays a normal float. n is rounded by adding 1.5 * 2^23 + 127: the sum's low mantissa bits
 * are then n + 127, which shifted into the exponent field are 2^n (no float-to-int conversion).
 */
// @ts-ignore: decorator
@inline function exp4(x: v128): v128 {
  const magic = f32x4.splat(12583039.0) // 1.5 * 2^23 + 127
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.3)), f32x4.splat(88.0))
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(1.44269504)), magic)
  const n = f32x4.sub(t, magic)
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375))), f32x4.mul(n, f32x4.splat(-2.12194440e-4)))
  let p = f32x4.splat(1.0 / 720.0)
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 120.0))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 24.0))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0 / 6.0))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(0.5))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0))
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.0))
  return f32x4.mul(p, i32x4.shl(t, 23))
}

// @ts-ignore: decorator
@inline function activate(v: v128, act: i32): v128 {
  if (act == RELU) return f32x4.max(v, f32x4.splat(0))
  if (act == SIGMOID) {
    const one = f32x4.splat(1.0)
    return f32x4.div(one, f32x4.add(one, exp4(f32x4.neg(v))))
  }
  return v
}

/**
 * Output rows [lo, hi) (of N*OH) of y [N, OH, OW, Co] = act(conv2d(xp, w) + bias) for ONE input channel
 * and horizontal stride 1 (a grayscale first layer), over x already padded: xp [N, HP, WP] with WP >=
 * 8 * ceil(OW / 8) + (KW - 1) * dw, so whole 8-position tiles read inside it. Lanes are output positions
 * (consecutive x values are one vector load), so no lane is idle whatever Co is; the 4 x 4 tiles are
 * transposed to channels-last in registers. `w` [KH*KW, Co] and `bias` [Co]. `act`: 0 linear, 1 relu,
 * 2 sigmoid.
 */
export function conv2dOneChannel(
  lo: i32, hi: i32, slot: i32, xp: usize, w: usize, bias: usize, y: usize,
  hp: i32, wp: i32, oh: i32, ow: i32, co: i32, kh: i32, kw: i32, sh: i32, dh: i32, dwl: i32, act: i32,
): void {
  for (let r = lo; r < hi; r++) {
    const b = r / oh
    const oy = r - b * oh
    const xTop = xp + (<usize>((b * hp + oy * sh) * wp) << 2)
    const yRow = y + (<usize>(r * ow * co) << 2)
    for (let c0 = 0; c0 < co; c0 += 4) {
      const nc = min(4, co - c0)
      switch (nc) {
        case 1: oneChannelRow(1, xTop, w, bias, yRow, wp, ow, co, kh, kw, dh, dwl, act, c0); break
        case 2: oneChannelRow(2, xTop, w, bias, yRow, wp, ow, co, kh, kw, dh, dwl, act, c0); break
        case 3: oneChannelRow(3, xTop, w, bias, yRow, wp, ow, co, kh, kw, dh, dwl, act, c0); break
        default: oneChannelRow(4, xTop, w, bias, yRow, wp, ow, co, kh, kw, dh, dwl, act, c0)
      }
    }
  }
}

/** One output row, output channels [c0, c0 + nc) (nc constant per call site), 8 positions per tile. */
// @ts-ignore: decorator
@inline function oneChannelRow(
  nc: i32, xTop: usize, w: usize, bias: usize, yRow: usize, wp: i32, ow: i32, co: i32, kh: i32, kw: i32, dh: i32, dwl: i32, act: i32, c0: i32,
): void {
  const rowStep = <usize>(dh * wp) << 2
  const tapStep = <usize>dwl << 2
  const wStep = <usize>co << 2
  const b0 = f32x4.splat(load<f32>(bias + (<usize>c0 << 2)))
  const b1 = nc > 1 ? f32x4.splat(load<f32>(bias + (<usize>c0 << 2), 4)) : f32x4.splat(0)
  const b2 = nc > 2 ? f32x4.splat(load<f32>(bias + (<usize>c0 << 2), 8)) : f32x4.splat(0)
  const b3 = nc > 3 ? f32x4.splat(load<f32>(bias + (<usize>c0 << 2), 12)) : f32x4.splat(0)
  for (let ox = 0; ox < ow; ox += 8) {
    // accumulators: channel k, positions ox..ox+3 (p) and ox+4..ox+7 (q)
    let p0 = b0, p1 = b1, p2 = b2, p3 = b3, q0 = b0, q1 = b1, q2 = b2, q3 = b3
    let wt = w + (<usize>c0 << 2)
    let xr = xTop + (<usize>ox << 2)
    for (let ky = 0; ky < kh; ky++) {
      let xt = xr
      for (let kx = 0; kx < kw; kx++) {
        const xa = v128.load(xt)
        const xb = v128.load(xt, 16)
        const w0 = v128.load32_splat(wt)
        p0 = f32x4.add(p0, f32x4.mul(xa, w0)); q0 = f32x4.add(q0, f32x4.mul(xb, w0))
        if (nc > 1) {
          const w1 = v128.load32_splat(wt + 4)
          p1 = f32x4.add(p1, f32x4.mul(xa, w1)); q1 = f32x4.add(q1, f32x4.mul(xb, w1))
        }
        if (nc > 2) {
          const w2 = v128.load32_splat(wt + 8)
          p2 = f32x4.add(p2, f32x4.mul(xa, w2)); q2 = f32x4.add(q2, f32x4.mul(xb, w2))
        }
        if (nc > 3) {
          const w3 = v128.load32_splat(wt + 12)
          p3 = f32x4.add(p3, f32x4.mul(xa, w3)); q3 = f32x4.add(q3, f32x4.mul(xb, w3))
        }
        wt += wStep
        xt += tapStep
      }
      xr += rowStep
    }
    const out = yRow + (<usize>(ox * co + c0) << 2)
    // (channels past nc are placeholders: only the kept ones pay for the activation)
    storeTransposed(out, activate(p0, act), nc > 1 ? activate(p1, act) : p1, nc > 2 ? activate(p2, act) : p2, nc > 3 ? activate(p3, act) : p3, nc, co, min(4, ow - ox))
    if (ox + 4 < ow) {
      const q = out + (<usize>(4 * co) << 2)
      storeTransposed(q, activate(q0, act), nc > 1 ? activate(q1, act) : q1, nc > 2 ? activate(q2, act) : q2, nc > 3 ? activate(q3, act) : q3, nc, co, min(4, ow - ox - 4))
    }
  }
}

/**
 * Writes a 4 x 4 tile given per channel (a0..a3: channels, lanes: positions) channels-last: position j
 * gets channels [0, nc) at out + j * co floats, for the first `positions` positions.
 */
// @ts-ignore: decorator
@inline function storeTransposed(out: usize, a0: v128, a1: v128, a2: v128, a3: v128, nc: i32, co: i32, positions: i32): void {
  const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5)
  const t1 = i32x4.shuffle(a2, a3, 0, 4, 1, 5)
  const t2 = i32x4.shuffle(a0, a1, 2, 6, 3, 7)
  const t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7)
  const step = <usize>co << 2
  storePart(out, i32x4.shuffle(t0, t1, 0, 1, 4, 5), nc)
  if (positions > 1) storePart(out + step, i32x4.shuffle(t0, t1, 2, 3, 6, 7), nc)
  if (positions > 2) storePart(out + 2 * step, i32x4.shuffle(t2, t3, 0, 1, 4, 5), nc)
  if (positions > 3) storePart(out + 3 * step, i32x4.shuffle(t2, t3, 2, 3, 6, 7), nc)
}

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

// ---- conv2d input gradient ----

/** dx[p] += v for the first `valid` (1..4) lanes. */
// @ts-ignore: decorator
@inline function addInto(p: usize, v: v128, valid: i32): void {
  if (valid >= 4) v128.store(p, f32x4.add(v128.load(p), v))
  else storePart(p, f32x4.add(loadPart(p, valid), v), valid)
}

/**
 * Images [lo, hi) of dx [N, H, W, Ci] = the input gradient of an NHWC conv2d, scattered from dy
 * [N, OH, OW, Co]: each dy position adds W[ky,kx] dy to the dx positions its taps read (only taps
 * inside the image: no multiplications by padding, unlike a full convolution over padded dy). `wt8`
 * is the filter transposed to [KH, KW, Co, Ci8] with Ci rounded up to a multiple of 8, zero-filled.
 * Register tile: 4 output positions x 8 input channels, summed over Co before touching dx.
 */
export function conv2dInputGrad(
  lo: i32, hi: i32, slot: i32, dy: usize, wt8: usize, dx: usize,
  h: i32, w: i32, ci: i32, oh: i32, ow: i32, co: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dwl: i32, top: i32, left: i32,
): void {
  const ci8 = (ci + 7) & ~7
  const z = f32x4.splat(0)
  const image = h * w * ci
  const pos = <usize>ci << 2
  for (let b = lo; b < hi; b++) {
    const dxImage = dx + (<usize>(b * image) << 2)
    fillZero(dxImage, image * 4, z)
    for (let c0 = 0; c0 < ci; c0 += 8) {
      const cv = min(8, ci - c0)
      for (let oy = 0; oy < oh; oy++) {
        const dyRow = dy + (<usize>(((b * oh + oy) * ow) * co) << 2)
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky * dh - top
          if (iy < 0 || iy >= h) continue
          const dxRow = dxImage + (<usize>(iy * w * ci + c0) << 2)
          for (let kx = 0; kx < kw; kx++) {
            const wTap = wt8 + (<usize>(((ky * kw + kx) * co) * ci8 + c0) << 2)
            const shift = kx * dwl - left
            let ox = 0
            for (; ox + 4 <= ow; ox += 4) {
              let a0 = z, a1 = z, e0 = z, e1 = z, f0 = z, f1 = z, g0 = z, g1 = z
              let wp = wTap
              let d = dyRow + (<usize>(ox * co) << 2)
              const dStep = <usize>co << 2
              for (let o = 0; o < co; o++) {
                const w0 = v128.load(wp)
                const w1 = v128.load(wp, 16)
                const x0 = v128.load32_splat(d)
                const x1 = v128.load32_splat(d + dStep)
                const x2 = v128.load32_splat(d + 2 * dStep)
                const x3 = v128.load32_splat(d + 3 * dStep)
                a0 = f32x4.add(a0, f32x4.mul(x0, w0)); a1 = f32x4.add(a1, f32x4.mul(x0, w1))
                e0 = f32x4.add(e0, f32x4.mul(x1, w0)); e1 = f32x4.add(e1, f32x4.mul(x1, w1))
                f0 = f32x4.add(f0, f32x4.mul(x2, w0)); f1 = f32x4.add(f1, f32x4.mul(x2, w1))
                g0 = f32x4.add(g0, f32x4.mul(x3, w0)); g1 = f32x4.add(g1, f32x4.mul(x3, w1))
                wp += <usize>ci8 << 2
                d += 4
              }
              const ix = ox * sw + shift
              scatterTile(dxRow, ix, w, pos, a0, a1, cv)
              scatterTile(dxRow, ix + sw, w, pos, e0, e1, cv)
              scatterTile(dxRow, ix + 2 * sw, w, pos, f0, f1, cv)
              scatterTile(dxRow, ix + 3 * sw, w, pos, g0, g1, cv)
            }
            for (; ox < ow; ox++) {
              let a0 = z, a1 = z
              let wp = wTap
              let d = dyRow + (<usize>(ox * co) << 2)
              for (let o = 0; o < co; o++) {
                const x0 = v128.load32_splat(d)
                a0 = f32x4.add(a0, f32x4.mul(x0, v128.load(wp)))
                a1 = f32x4.add(a1, f32x4.mul(x0, v128.load(wp, 16)))
                wp += <usize>ci8 << 2
                d += 4
              }
              scatterTile(dxRow, ox * sw + shift, w, pos, a0, a1, cv)
            }
          }
        }
      }
    }
  }
}

/** Adds an 8-channel tile (the first `valid`) to dx row position ix, when ix is inside the row. */
// @ts-ignore: decorator
@inline function scatterTile(dxRow: usize, ix: i32, w: i32, pos: usize, lo: v128, hi: v128, valid: i32): void {
  if (ix < 0 || ix >= w) return
  const p = dxRow + <usize>ix * pos
  addInto(p, lo, min(valid, 4))
  if (valid > 4) addInto(p + 16, hi, valid - 4)
}
export * from './norm'
export * from './relu'
export * from './pool'

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
      let k = 0
      for (; k + 4 <= c; k += 4) {
        const o = <usize>k << 2
        let v = v128.load(src + o)
        for (let kx = 1; kx < kw; kx++) {
          const u = v128.load(src + <usize>(kx * c) * 4 + o)
          v = isMax != 0 ? f32x4.max(v, u) : f32x4.add(v, u)
        }
        v128.store(dst + o, v)
      }
      for (; k < c; k++) {
        const o = <usize>k << 2
        let v = load<f32>(src + o)
        for (let kx = 1; kx < kw; kx++) {
          const u = load<f32>(src + <usize>(kx * c) * 4 + o)
          v = isMax != 0 ? max(v, u) : v + u
        }
        store<f32>(dst + o, v)
      }
    }
  }
}
