//go:build openblas

package gemm

import "gonum.org/v1/netlib/blas/netlib"

// Under -tags openblas the benchmark also times OpenBLAS (set
// OPENBLAS_NUM_THREADS to the threads= of the rows to compare).
func init() {
	openblas = netlib.Implementation{}
	benchImpls = append(benchImpls, "openblas")
}
