//go:build openblas

package blas

/*
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
*/
import "C"

import (
	"gonum.org/v1/netlib/blas/netlib"
	"gorgonia.org/gorgonia"
)

const name = "openblas"

// openBLAS is netlib's cgo binding to OpenBLAS, with OpenBLAS's thread
// count: layers.NewWorkers sets it to 1 and splits the products over the
// model's own goroutines (graph.Config.Threads), since OpenBLAS's threads
// are process-wide rather than per model, and spin when idle.
type openBLAS struct{ netlib.Implementation }

// SetThreads sets the number of threads OpenBLAS uses for every call in
// the process.
func (openBLAS) SetThreads(n int) { C.openblas_set_num_threads(C.int(max(n, 1))) }

// Threads is OpenBLAS's current thread count.
func (openBLAS) Threads() int { return int(C.openblas_get_num_threads()) }

func init() { gorgonia.Use(openBLAS{}) }
