//go:build !amd64 || purego

package gemm

// No kernel: Available is false and callers use gonum's BLAS.
var (
	kern     func(k int, a, b, c *float32, ldc int, add bool)
	kernName string
	mr, nr   = 1, 1
)

func useKernel(string) {}

func kernels() []string { return nil }
