//go:build amd64 && !purego

package gemm

import "golang.org/x/sys/cpu"

//go:noescape
func kernelAVX2(k int, a, b, c *float32, ldc int, add bool)

//go:noescape
func kernelAVX512(k int, a, b, c *float32, ldc int, add bool)

// The kernel in use and its tile, mr×nr, set once at start-up.
var (
	kern     func(k int, a, b, c *float32, ldc int, add bool)
	kernName string
	mr, nr   int
)

func init() {
	switch {
	case cpu.X86.HasAVX512F:
		useKernel("avx512")
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		useKernel("avx2")
	}
}

// useKernel selects a kernel by name (tests run both where the CPU has
// both).
func useKernel(name string) {
	switch name {
	case "avx512":
		kern, mr, nr = kernelAVX512, 12, 32
	case "avx2":
		kern, mr, nr = kernelAVX2, 6, 16
	default:
		kern, mr, nr, name = nil, 1, 1, ""
	}
	kernName = name
}

// kernels lists the kernels this CPU can run.
func kernels() []string {
	var ks []string
	if cpu.X86.HasAVX512F {
		ks = append(ks, "avx512")
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, "avx2")
	}
	return ks
}
