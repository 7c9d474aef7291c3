import { madd, storePart } from './common'

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
        p0 = madd(xa, w0, p0); q0 = madd(xb, w0, q0)
        if (nc > 1) {
          const w1 = v128.load32_splat(wt + 4)
          p1 = madd(xa, w1, p1); q1 = madd(xb, w1, q1)
        }
        if (nc > 2) {
          const w2 = v128.load32_splat(wt + 8)
          p2 = madd(xa, w2, p2); q2 = madd(xb, w2, q2)
        }
        if (nc > 3) {
          const w3 = v128.load32_splat(wt + 12)
          p3 = madd(xa, w3, p3); q3 = madd(xb, w3, q3)
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
