//go:build openblas

package blas

/*
void openblas_set_num_threads(int);
int openblas_get_num_threads(void);
*/
import "C"

import (
	"fmt"
	"os"

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

// OwnThreads reports whether OpenBLAS is to run on its own threads
// (CONVERGO_OPENBLAS_THREADS=own) rather than single-threaded on the
// models' goroutines (the default, CONVERGO_OPENBLAS_THREADS=model).
func (openBLAS) OwnThreads() bool { return ownThreads }

var ownThreads bool

// ThreadsEnv is the environment variable that chooses OpenBLAS's threads.
const ThreadsEnv = "CONVERGO_OPENBLAS_THREADS"

func init() {
	switch v := os.Getenv(ThreadsEnv); v {
	case "", "model":
	case "own":
		ownThreads = true
	default:
		// An init cannot return an error, and a typo must not pass
		// silently.
		fmt.Fprintf(os.Stderr, "convergo: %s=%q: want own or model; using model\n", ThreadsEnv, v)
	}
	gorgonia.Use(openBLAS{})
}
