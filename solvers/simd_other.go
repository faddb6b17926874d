//go:build !amd64 || purego

package solvers

// Without the assembly kernels (another architecture, or the purego build
// tag) the Go kernels do all the work.

const useAVX = false

func adamSIMD32(w, g, m, v []float32, c *adam32) int { return 0 }

func sgdSIMD32(w, g, buf []float32, c *sgd32) int { return 0 }
