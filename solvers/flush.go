package solvers

import (
	"math"
	"unsafe"
)

// This file: flushing subnormal float32 moments to zero, shared by the
// kernels that keep squared gradients or geometrically decaying averages.

// minNormal32 is the smallest normal float32, 2⁻¹²⁶.
const minNormal32 = 0x1p-126

// flushOff turns flushing off. Only tests set it, to compare a flushed
// run with an unflushed one.
var flushOff bool

// flush returns 0 when |x| < limit (a subnormal x, with the limit of
// minNormal32), else x. The zero limit never flushes (float64, or
// flushing off: see flushLimits).
//
// Why: on x86 an arithmetic operation that reads or writes a subnormal
// float32 takes a microcode assist, tens of times slower than normal
// arithmetic. Training produces such numbers — gradients of 1e-19 to
// 1e-25 for rarely active inputs, whose squares are subnormal, and moments
// that decay geometrically under zero gradients — and they made Adam's
// float32 Step 2.5× slower on the Fashion-MNIST MLP than on ordinary
// gradients (measured: 4 ns per parameter with gradients of 1e-3, 80–130
// ns with gradients of 1e-19 to 1e-22). The numerical effect is at the
// level of float32 rounding while ε ≥ 1e-10 (flushLimits turns flushing
// off below): √(2⁻¹²⁶) ≈ 1.1e-19 is then at most 1.1e-9·ε, a fiftieth of
// an ulp of √v + ε, and a first moment below 2⁻¹²⁶ moves a weight by less than
// lr·2⁻¹²⁶/ε. For second moments above about 2⁻¹⁰² the arithmetic is
// bit-identical to the unflushed one (a subnormal addend is below half an
// ulp); below, v may differ in its last bit, which can flip the last bit
// of √v̂ + ε early in training, so long runs are not bit-identical to
// unflushed float32 Adam (they remain so run to run).
// float64 kernels are not flushed: their subnormals start at 2⁻¹⁰²², out
// of reach of real gradients.
//
// Each kernel that flushes says which of its quantities it flushes and
// why that is harmless there.
func flush[T float](x T, limit flushLimit) T {
	if below(x, limit) {
		return 0
	}
	return x
}

// sqTerm returns c·g·g, with g replaced by 0 when |g| < tiny, where the
// product would be subnormal: deciding before multiplying avoids the slow
// arithmetic (see flush). With c = 0 and tiny = +Inf it is still c·g·g:
// 0, or NaN for an infinite g. Flushing g and multiplying always, rather
// than branching around the multiplications, is what the assembly kernels
// do, and measured 1 ns per element faster in Go (a simple select instead
// of two code paths).
func sqTerm[T float](c, g T, tiny flushLimit) T {
	g = flush(g, tiny)
	return T(c * g * g) // rounded: the caller adds it (no FMA, see adamKernel)
}

// flushLimit is a flush threshold ready for below: the bits of a float
// limit ≥ 0 (+Inf included) shifted left by one. 0 never flushes.
type flushLimit uint64

// below reports whether |x| < l, by comparing the bits of x with the sign
// shifted out as unsigned integers: for non-negative floats the order of
// the bits is the order of the numbers, and a NaN's bits exceed +Inf's, so
// a NaN is never below, as with <. It is integer arithmetic on a limit
// prepared once per Step: the float form |x| < limit (clear the sign, move
// back, compare as floats) made the scalar kernels 30–50% slower on
// ordinary gradients (RAdam: 6.0 → 9.3 ns per element).
func below[T float](x T, l flushLimit) bool {
	if unsafe.Sizeof(x) == 4 {
		return uint64(math.Float32bits(float32(x))<<1) < uint64(l)
	}
	return math.Float64bits(float64(x))<<1 < uint64(l)
}

// flushLimits returns, for a kernel of element type T, the flush limit of
// its moments and the gradient magnitude below which c·g² is subnormal in
// float32 (flushLimits32). Both never flush for float64.
func flushLimits[T float](c, floor float64) (limit, tiny flushLimit) {
	var x T
	if unsafe.Sizeof(x) != 4 {
		return 0, 0
	}
	l, t := flushLimits32(c, floor)
	return limit32(l), limit32(t)
}

// limit32 returns the flushLimit of a float32 limit ≥ 0.
func limit32(x float32) flushLimit { return flushLimit(math.Float32bits(x) << 1) }

// flushLimits32 returns the flush limit of the moments, minNormal32, and
// the gradient magnitude below which c·g² is subnormal in float32. Both are
// 0 (no flushing) when flushOff is set and when floor < 1e-10: floor is
// the least value a flushed quantity is compared with, ε in √v + ε, below
// which a flushed moment could show.
func flushLimits32(c, floor float64) (limit, tiny float32) {
	if flushOff || floor < 1e-10 {
		return 0, 0
	}
	return minNormal32, float32(math.Sqrt(minNormal32 / c))
}
