package layers

import (
	"testing"

	"gorgonia.org/tensor"
)

// Dense forward + backward on the first layer of the issue-7 workload
// (batch 128, 784 → 256, float32): the fused op, the fused op with the
// input's gradient requested (a hidden layer), and Gorgonia's Mul +
// BroadcastAdd, which always computes the input's gradient.
func BenchmarkDenseFused(b *testing.B)          { denseBench(b, true, false) }
func BenchmarkDenseFusedInputGrad(b *testing.B) { denseBench(b, true, true) }
func BenchmarkDenseMulAdd(b *testing.B)         { denseBench(b, false, false) }

func denseBench(b *testing.B, fused, inputGrad bool) {
	_, _, loss, wrt, vm := denseGraph(tensor.Float32, fused, inputGrad, 128, 784, 256)
	defer vm.Close()
	var sink float32
	for b.Loop() {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		sink += loss.Value().Data().(float32)
		for _, n := range wrt {
			// Zero the accumulated gradients, as a solver does.
			if gv, err := n.Grad(); err == nil {
				gv.(*tensor.Dense).Zero()
			}
		}
	}
	denseSink = sink
}

var denseSink float32
