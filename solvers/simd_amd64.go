//go:build !purego

package solvers

// This file: the assembly kernels of amd64 (adam_amd64.s, sgd_amd64.s)
// and the CPU check that enables them. Build with -tags purego to use the
// Go kernels only.

// useAVX says whether the assembly kernels may run: the CPU has AVX and
// the operating system saves the YMM registers. The kernels use AVX
// (2011) only, not AVX2 or FMA: FMA would round differently from the Go
// kernels they must match bit for bit.
var useAVX = hasAVX()

// hasAVX checks CPUID.1:ECX for OSXSAVE (bit 27) and AVX (bit 28), and
// that XCR0 enables the SSE and AVX state (bits 1 and 2), as
// golang.org/x/sys/cpu does.
func hasAVX() bool {
	_, _, ecx, _ := cpuid(1, 0)
	if ecx&(1<<27) == 0 || ecx&(1<<28) == 0 {
		return false
	}
	eax, _ := xgetbv()
	return eax&6 == 6
}

// cpuid executes CPUID with EAX = eaxArg and ECX = ecxArg.
func cpuid(eaxArg, ecxArg uint32) (eax, ebx, ecx, edx uint32)

// xgetbv returns XCR0 (call only if CPUID reports OSXSAVE).
func xgetbv() (eax, edx uint32)

// adamAVX runs adamLoop32 on the first len(w)&^7 elements, 8 at a time.
//
//go:noescape
func adamAVX(w, g, m, v []float32, c *adam32)

// adamSIMD32 runs the assembly Adam kernel on the longest prefix made of
// whole blocks of 8 elements and returns its length, 0 without AVX.
func adamSIMD32(w, g, m, v []float32, c *adam32) int {
	n := len(w) &^ 7
	if !useAVX || n == 0 {
		return 0
	}
	adamAVX(w[:n], g[:n:n], m[:n:n], v[:n:n], c)
	return n
}

// sgdAVX runs sgdLoops' loop c.mode on the first len(w)&^7 elements, 8 at
// a time; buf is empty without momentum.
//
//go:noescape
func sgdAVX(w, g, buf []float32, c *sgd32)

// sgdSIMD32 runs the assembly SGD kernel on the longest prefix made of
// whole blocks of 8 elements and returns its length, 0 without AVX.
func sgdSIMD32(w, g, buf []float32, c *sgd32) int {
	n := len(w) &^ 7
	if !useAVX || n == 0 {
		return 0
	}
	if buf != nil {
		buf = buf[:n:n]
	}
	sgdAVX(w[:n], g[:n:n], buf, c)
	return n
}
