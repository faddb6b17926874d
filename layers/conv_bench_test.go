package layers

import (
	"flag"
	"testing"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Forward + backward of the convolution and pooling layers at the shapes
// of examples/convnet (LeNet on 28×28 digits, batch 64, float32), and of
// its whole network up to the logits. Each iteration is one run of a
// tape machine over the graph with the parameters' gradients bound
// (BindDualValues), as a training step of graph.Model, the gradients
// zeroed afterwards as a solver does.
//
//	Conv0: (64, 1, 28, 28), 6 filters 5×5, padding 2 → (64, 6, 28, 28)
//	Conv1: (64, 6, 14, 14), 16 filters 5×5           → (64, 16, 10, 10)
//	Pool0: (64, 6, 28, 28), max 2×2                  → (64, 6, 14, 14)
//	Pool1: (64, 16, 10, 10), max 2×2                 → (64, 16, 5, 5)
//
// The loss is Σ y (a convergo op whose gradient is a tensor of ones kept
// across runs), so that the loss costs next to nothing.
//
// Conv0's input is data (no gradient asked), Conv1's is a hidden layer's
// output, so its input gradient is computed, as in the network.
// benchThreads is the layers' Workers in the benchmarks (go test -bench
// . -args -bench.threads 2).
var benchThreads = flag.Int("bench.threads", 1, "threads of the benchmarks' layers.Workers")

func BenchmarkConv2DLeNet0(b *testing.B) {
	layerBench(b, Conv2D(6, 5).WithPadding(2), false, 64, 1, 28, 28)
}
func BenchmarkConv2DLeNet1(b *testing.B)    { layerBench(b, Conv2D(16, 5), true, 64, 6, 14, 14) }
func BenchmarkMaxPool2DLeNet0(b *testing.B) { layerBench(b, MaxPool2D(2), true, 64, 6, 28, 28) }
func BenchmarkMaxPool2DLeNet1(b *testing.B) { layerBench(b, MaxPool2D(2), true, 64, 16, 10, 10) }

// BenchmarkConvNetStep is the network of examples/convnet up to its
// logits (dropout left out: it needs a batch hook), forward + backward.
func BenchmarkConvNetStep(b *testing.B) {
	net := Stack(
		Conv2D(6, 5).WithPadding(2), ReLU(), MaxPool2D(2),
		Conv2D(16, 5), ReLU(), MaxPool2D(2),
		Flatten(), Dense(120), ReLU(), Dense(10),
	)
	layerBench(b, net, false, 64, 1, 28, 28)
}

func layerBench(b *testing.B, l Layer, inputGrad bool, shape ...int) {
	g := gorgonia.NewGraph()
	store, err := NewStore(1, tensor.Float32)
	if err != nil {
		b.Fatal(err)
	}
	bld := NewBuilder(g, store, true)
	bld.Workers = NewWorkers(*benchThreads)
	defer bld.Workers.Close()
	x := filled(g, tensor.Float32, "x", 1, shape...)
	y, err := l.Build(bld, x)
	if err != nil {
		b.Fatal(err)
	}
	loss := gorgonia.Must(gorgonia.ApplyOp(&benchLoss{named{"BenchLoss"}, y.Dims()}, y))
	wrt := bld.Params()
	if inputGrad {
		wrt = append(wrt, x)
	}
	if _, err := gorgonia.Grad(loss, wrt...); err != nil {
		b.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(wrt...))
	defer vm.Close()
	var sink float32
	b.ReportAllocs()
	for b.Loop() {
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		sink += loss.Value().Data().(float32)
		for _, n := range wrt {
			if gv, err := n.Grad(); err == nil {
				gv.(*tensor.Dense).Zero()
			}
		}
	}
	convSink = sink
}

var convSink float32

// benchLoss is y → Σ y (scalar); its gradient is a constant tensor of
// ones (the incoming gradient is 1 in these benchmarks).
type benchLoss struct {
	named
	dims int
}

func (op *benchLoss) Arity() int { return 1 }
func (op *benchLoss) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(gorgonia.TensorType{Dims: op.dims, Of: a}, a)
}
func (op *benchLoss) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}
func (op *benchLoss) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	var s float32
	for _, v := range vals[0].Data().([]float32) {
		s += v
	}
	return gorgonia.NewF32(s), nil
}
func (op *benchLoss) DiffWRT(int) []bool { return []bool{true} }
func (op *benchLoss) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	ones := tensor.New(tensor.WithShape(inputs[0].Shape().Clone()...), tensor.Of(tensor.Float32))
	for i := range ones.Float32s() {
		ones.Float32s()[i] = 1
	}
	return gorgonia.Nodes{gorgonia.NewTensor(grad.Graph(), tensor.Float32, op.dims, gorgonia.WithShape(inputs[0].Shape()...), gorgonia.WithValue(ones), gorgonia.WithName("ones"))}, nil
}
