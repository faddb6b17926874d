// Package blas selects the BLAS implementation Gorgonia uses. Importing it
// (for its side effect) in a program makes the build tag `openblas` switch
// Gorgonia to OpenBLAS through cgo; without the tag the program uses
// Gorgonia's default, gonum's pure-Go BLAS.
//
// To build with OpenBLAS (Debian: apt-get install -y libopenblas-dev):
//
//	CGO_LDFLAGS=-lopenblas go run -tags openblas ./examples/mnist
package blas

// Name is "gonum" or "openblas": the implementation in use.
func Name() string { return name }
