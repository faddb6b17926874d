// Package blas selects the BLAS implementation Gorgonia uses. Importing it
// (for its side effect) in a program makes the build tag `openblas` switch
// Gorgonia to OpenBLAS through cgo; without the tag the program uses
// Gorgonia's default, gonum's pure-Go BLAS.
//
// To build with OpenBLAS (Debian: apt-get install -y libopenblas-dev):
//
//	CGO_LDFLAGS=-lopenblas go run -tags openblas ./examples/mnist
//
// By default OpenBLAS runs single-threaded on each model's own goroutines
// (graph.Config.Threads), its large products cut into bands: its idle
// threads would otherwise spin on the cores the model's other passes and
// the other trials need, and its process-wide thread count could not
// follow each model's. CONVERGO_OPENBLAS_THREADS=own gives OpenBLAS its
// own threads again (set by the models' Threads), faster for a single
// model made of large dense products (the MLP benchmark) and slower
// wherever Go code runs between the products (the convnet); results then
// depend on the thread count.
package blas

// Name is "gonum" or "openblas": the implementation in use.
func Name() string { return name }
