package layers_test

import (
	"bytes"
	"fmt"
	"log"
	"math"

	"github.com/convergo/convergo/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// matrix returns a float64 input node of the given shape holding vals.
func matrix(g *gorgonia.ExprGraph, shape []int, vals []float64) *gorgonia.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(vals))
	return gorgonia.NewTensor(g, tensor.Float64, len(shape), gorgonia.WithShape(shape...), gorgonia.WithName("x"), gorgonia.WithValue(t))
}

// ones returns n ones.
func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// Build a LeNet-style network into a graph: two convolutions, each
// followed by ReLU and 2×2 max pooling, then Flatten and Dense. Each
// convolution shrinks the image by kernel−1 (⌊(H − k)/1⌋ + 1) and each
// pooling halves it: 28 → 24 → 12 → 8 → 4, so Flatten gives 16·4·4 = 256
// features. Parameters are named by layer kind and build order; pooling
// and Flatten have none.
func ExampleStack() {
	net := layers.Stack(
		layers.Conv2D(6, 5), layers.ReLU(), layers.MaxPool2D(2),
		layers.Conv2D(16, 5), layers.ReLU(), layers.MaxPool2D(2),
		layers.Flatten(),
		layers.Dense(10),
	)
	store, err := layers.NewStore(1, tensor.Float32)
	if err != nil {
		log.Fatal(err)
	}
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(8, 1, 28, 28), gorgonia.WithName("x"))
	b := layers.NewBuilder(g, store, true)
	logits, err := net.Build(b, x)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("logits:", logits.Shape())
	total := 0
	for _, p := range b.Params() {
		fmt.Printf("%-8s %-6s %v\n", p.Name(), b.ParamRole(p), p.Shape())
		total += p.Shape().TotalSize()
	}
	fmt.Println("parameters:", total)
	// Output:
	// logits: (8, 10)
	// conv0.W  weight (6, 1, 5, 5)
	// conv0.b  bias   (6)
	// conv1.W  weight (16, 6, 5, 5)
	// conv1.b  bias   (16)
	// dense0.W weight (256, 10)
	// dense0.b bias   (10)
	// parameters: 5142
}

// Initialise a Dense layer as PyTorch's nn.Linear does: weights and biases
// uniform in ±1/√in, here ±1/√256 = 0.0625. A parameter's values are a
// function of the store's seed and the parameter's name only, so a second
// store with the same seed starts from the same weights.
func ExampleTorchDefault() {
	dense := layers.Dense(10).WithInit(layers.TorchDefault, layers.TorchDefault)
	build := func(seed uint64) *layers.Store {
		store, err := layers.NewStore(seed, tensor.Float64)
		if err != nil {
			log.Fatal(err)
		}
		g := gorgonia.NewGraph()
		x := gorgonia.NewMatrix(g, tensor.Float64, gorgonia.WithShape(4, 256), gorgonia.WithName("x"))
		if _, err := dense.Build(layers.NewBuilder(g, store, false), x); err != nil {
			log.Fatal(err)
		}
		return store
	}
	a, b := build(7), build(7)
	bound := 1 / math.Sqrt(256)
	for _, name := range a.Names() {
		vals := a.Tensor(name).Data().([]float64)
		largest := 0.0
		for _, v := range vals {
			largest = math.Max(largest, math.Abs(v))
		}
		same := fmt.Sprint(vals) == fmt.Sprint(b.Tensor(name).Data())
		fmt.Printf("%s: %d values, max |v| = %.4f ≤ %g: %v; same seed, same values: %v\n",
			name, len(vals), largest, bound, largest <= bound, same)
	}
	// Output:
	// dense0.W: 2560 values, max |v| = 0.0625 ≤ 0.0625: true; same seed, same values: true
	// dense0.b: 10 values, max |v| = 0.0501 ≤ 0.0625: true; same seed, same values: true
}

// Save a model's tensors and load them into a second store built from the
// same network with another seed; Load refuses a checkpoint of a different
// network and names the tensor that differs.
func ExampleStore_Save() {
	build := func(net layers.Layer, seed uint64) *layers.Store {
		store, err := layers.NewStore(seed, tensor.Float32)
		if err != nil {
			log.Fatal(err)
		}
		g := gorgonia.NewGraph()
		x := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(2, 4), gorgonia.WithName("x"))
		if _, err := net.Build(layers.NewBuilder(g, store, true), x); err != nil {
			log.Fatal(err)
		}
		return store
	}
	net := layers.Stack(layers.Dense(8), layers.ReLU(), layers.Dense(3))
	src, dst := build(net, 1), build(net, 2)
	equal := func() bool {
		for _, name := range src.Names() {
			if fmt.Sprint(src.Tensor(name).Data()) != fmt.Sprint(dst.Tensor(name).Data()) {
				return false
			}
		}
		return true
	}
	fmt.Println("tensors:", src.Names())
	fmt.Println("equal before Load:", equal())

	var checkpoint bytes.Buffer
	if err := src.Save(&checkpoint); err != nil {
		log.Fatal(err)
	}
	saved := checkpoint.Bytes()
	if err := dst.Load(bytes.NewReader(saved)); err != nil {
		log.Fatal(err)
	}
	fmt.Println("equal after Load:", equal())

	other := build(layers.Stack(layers.Dense(5), layers.ReLU(), layers.Dense(3)), 1)
	fmt.Println(other.Load(bytes.NewReader(saved)))
	// Output:
	// tensors: [dense0.W dense0.b dense1.W dense1.b]
	// equal before Load: false
	// equal after Load: true
	// layers: Load: tensor dense0.W has shape (4, 8) in the checkpoint, (4, 5) in the store
}

// Inverted dropout with p = 0.5 on a 100×100 input of ones. In the training
// graph about half the units are zeroed and the others scaled by
// 1/(1−p) = 2, so the mean stays near 1; the mask is refilled by the batch
// hook before each forward pass, from the seed, the layer name and the
// step. The evaluation graph is the identity.
func ExampleDropout() {
	const rows, cols = 100, 100
	drop := layers.Dropout(0.5)
	store, err := layers.NewStore(1, tensor.Float64)
	if err != nil {
		log.Fatal(err)
	}
	run := func(training bool, step int) {
		g := gorgonia.NewGraph()
		b := layers.NewBuilder(g, store, training)
		y, err := drop.Build(b, matrix(g, []int{rows, cols}, ones(rows*cols)))
		if err != nil {
			log.Fatal(err)
		}
		for _, h := range b.Hooks() { // what graph.Trainer does before each batch
			if err := h(step); err != nil {
				log.Fatal(err)
			}
		}
		vm := gorgonia.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			log.Fatal(err)
		}
		counts := map[float64]int{}
		sum := 0.0
		for _, v := range y.Value().Data().([]float64) {
			counts[v]++
			sum += v
		}
		fmt.Printf("training=%v step %d: zeros %.3f, twos %.3f, ones %.3f, mean %.3f\n", training, step,
			float64(counts[0])/(rows*cols), float64(counts[2])/(rows*cols), float64(counts[1])/(rows*cols), sum/(rows*cols))
	}
	run(true, 0)
	run(true, 1)
	run(false, 0)
	// Output:
	// training=true step 0: zeros 0.498, twos 0.502, ones 0.000, mean 1.004
	// training=true step 1: zeros 0.510, twos 0.490, ones 0.000, mean 0.981
	// training=false step 0: zeros 0.000, twos 0.000, ones 1.000, mean 1.000
}

// Change the dropout rate while training (from an OnEpoch hook, say): the
// rate is read by the batch hook, so the next batch's mask uses it. Kept
// units are then scaled by 1/(1−0.2) = 1.25. The dropped fraction is a
// random draw with mean p (standard deviation √(p(1−p)/10000) ≈ 0.004 for
// p = 0.2). Rates outside [0, 1) are refused and the old rate is kept.
func ExampleDropoutLayer_SetRate() {
	drop := layers.Dropout(0.5)
	store, err := layers.NewStore(1, tensor.Float64)
	if err != nil {
		log.Fatal(err)
	}
	g := gorgonia.NewGraph()
	b := layers.NewBuilder(g, store, true)
	y, err := drop.Build(b, matrix(g, []int{100, 100}, ones(10000)))
	if err != nil {
		log.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	for step, p := range []float64{0.5, 0.2} {
		if err := drop.SetRate(p); err != nil {
			log.Fatal(err)
		}
		for _, h := range b.Hooks() {
			if err := h(step); err != nil {
				log.Fatal(err)
			}
		}
		vm.Reset()
		if err := vm.RunAll(); err != nil {
			log.Fatal(err)
		}
		zeros, kept := 0, 0.0
		for _, v := range y.Value().Data().([]float64) {
			if v == 0 {
				zeros++
			} else {
				kept = v
			}
		}
		fmt.Printf("p=%g: %.2f dropped, kept units × %g\n", drop.Rate(), float64(zeros)/10000, kept)
	}
	fmt.Println(drop.SetRate(1), "; rate still", drop.Rate())
	// Output:
	// p=0.5: 0.50 dropped, kept units × 2
	// p=0.2: 0.21 dropped, kept units × 1.25
	// layers: dropout rate 1, want 0 ≤ p < 1 ; rate still 0.2
}

// One training forward pass of batch normalisation on a (4, 2) batch.
// Channel 0 holds 1, 2, 3, 4 (mean 2.5, biased variance 1.25, unbiased
// 5/3), channel 1 twice that (mean 5, unbiased variance 20/3). The training
// graph normalises with the batch statistics and moves the running ones
// from (0, 1) by momentum 0.1: mean 0.1·2.5 = 0.25, variance
// 0.9 + 0.1·5/3 = 1.0667. An evaluation graph over the same Store then
// normalises with the running statistics: (1 − 0.25)/√(1.0667 + 1e-5) =
// 0.7262 for the first element.
func ExampleBatchNorm() {
	bn := layers.BatchNorm()
	store, err := layers.NewStore(1, tensor.Float64)
	if err != nil {
		log.Fatal(err)
	}
	x := []float64{
		1, 2,
		2, 4,
		3, 6,
		4, 8,
	}
	run := func(training bool) []float64 {
		g := gorgonia.NewGraph()
		y, err := bn.Build(layers.NewBuilder(g, store, training), matrix(g, []int{4, 2}, x))
		if err != nil {
			log.Fatal(err)
		}
		vm := gorgonia.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			log.Fatal(err)
		}
		return y.Value().Data().([]float64)
	}
	round := func(v []float64) []float64 {
		r := make([]float64, len(v))
		for i, e := range v {
			r[i] = math.Round(e*1e4) / 1e4
		}
		return r
	}
	fmt.Println("training output:", round(run(true)))
	for _, name := range store.Names() {
		fmt.Printf("%-25s buffer=%-5v %v\n", name, store.IsBuffer(name), round(store.Tensor(name).Data().([]float64)))
	}
	fmt.Println("evaluation output:", round(run(false)))
	// Output:
	// training output: [-1.3416 -1.3416 -0.4472 -0.4472 0.4472 0.4472 1.3416 1.3416]
	// batchnorm0.gamma          buffer=false [1 1]
	// batchnorm0.beta           buffer=false [0 0]
	// batchnorm0.running_mean   buffer=true  [0.25 0.5]
	// batchnorm0.running_var    buffer=true  [1.0667 1.5667]
	// evaluation output: [0.7262 1.1984 1.6944 2.7963 2.6627 4.3941 3.6309 5.992]
}
