import { loadPart, storePart } from './common'

// ---- elementwise programs: a fused chain of elementwise ops in one pass ----
//
// Why: an optimizer's update is ~14 elementwise ops per parameter (Adam), each a kernel launch and a
// pass over memory in tfjs-wasm. A program runs them per block of BLOCK elements through registers of
// the slot's scratch (L1-sized), reading each input and writing each output once.

/** Elements per block (one register). */
const BLOCK = 256

/** Opcodes (src/ops/shared/elementwise-program.ts states which op is which). */
const ADD = 1
const SUB = 2
const MUL = 3
const DIV = 4
const NEG = 5
const SQRT = 6
const SQUARE = 7

/**
 * Blocks [lo, hi) of an elementwise program over tensors of `size` elements. `prog` (i32): nIn, nScalar,
 * nInstr, nOut, then nInstr x (op, dst, a, b), then nOut registers. Registers 0 .. nIn-1 hold the
 * blocks of the full-size inputs, instruction i writes register nIn + i; an operand < 0 is scalar input
 * -1 - operand (splat). `ptrs` (i32): nIn input pointers, nScalar scalar pointers, nOut output pointers.
 * Scratch per slot: (nIn + nInstr) registers of BLOCK floats.
 */
export function elementwiseProgram(lo: i32, hi: i32, slot: i32, prog: usize, ptrs: usize, scratch: usize, size: i32): void {
  const nIn = load<i32>(prog)
  const nScalar = load<i32>(prog, 4)
  const nInstr = load<i32>(prog, 8)
  const nOut = load<i32>(prog, 12)
  const code = prog + 16
  const outs = code + (<usize>(nInstr * 4) << 2)
  const regBytes = <usize>BLOCK << 2
  const regs = scratch + <usize>(slot * (nIn + nInstr)) * regBytes
  const scalars = ptrs + (<usize>nIn << 2)
  const outPtrs = scalars + (<usize>nScalar << 2)
  for (let blk = lo; blk < hi; blk++) {
    const e0 = <usize>(blk * BLOCK) << 2
    const len = min(BLOCK, size - blk * BLOCK)
    const full = len >> 2
    const rem = len & 3
    const vectors = full + (rem > 0 ? 1 : 0)
    for (let i = 0; i < nIn; i++) {
      const src = <usize>load<i32>(ptrs + (<usize>i << 2)) + e0
      const dst = regs + <usize>i * regBytes
      for (let v = 0; v < full; v++) v128.store(dst + (<usize>v << 4), v128.load(src + (<usize>v << 4)))
      if (rem > 0) v128.store(dst + (<usize>full << 4), loadPart(src + (<usize>full << 4), rem))
    }
    for (let i = 0; i < nInstr; i++) {
      const ins = code + (<usize>(i * 4) << 2)
      const op = load<i32>(ins)
      const dst = regs + <usize>load<i32>(ins, 4) * regBytes
      const a = load<i32>(ins, 8)
      const b = load<i32>(ins, 12)
      const aScalar = a < 0
      const bScalar = b < 0
      const pa = aScalar ? 0 : regs + <usize>a * regBytes
      const pb = bScalar ? 0 : regs + <usize>b * regBytes
      const sa = aScalar ? v128.load32_splat(<usize>load<i32>(scalars + (<usize>(-1 - a) << 2))) : f32x4.splat(0)
      const sb = bScalar ? v128.load32_splat(<usize>load<i32>(scalars + (<usize>(-1 - b) << 2))) : f32x4.splat(0)
      for (let v = 0; v < vectors; v++) {
        const o = <usize>v << 4
        const x = aScalar ? sa : v128.load(pa + o)
        let r: v128
        if (op == NEG) r = f32x4.neg(x)
        else if (op == SQRT) r = f32x4.sqrt(x)
        else if (op == SQUARE) r = f32x4.mul(x, x)
        else {
          const y = bScalar ? sb : v128.load(pb + o)
          if (op == ADD) r = f32x4.add(x, y)
          else if (op == SUB) r = f32x4.sub(x, y)
          else if (op == MUL) r = f32x4.mul(x, y)
          else r = f32x4.div(x, y)
        }
        v128.store(dst + o, r)
      }
    }
    for (let j = 0; j < nOut; j++) {
      const src = regs + <usize>load<i32>(outs + (<usize>j << 2)) * regBytes
      const dst = <usize>load<i32>(outPtrs + (<usize>j << 2)) + e0
      for (let v = 0; v < full; v++) v128.store(dst + (<usize>v << 4), v128.load(src + (<usize>v << 4)))
      if (rem > 0) storePart(dst + (<usize>full << 4), v128.load(src + (<usize>full << 4)), rem)
    }
  }
}
