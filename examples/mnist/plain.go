package main

import (
	"fmt"
	"io"
	"time"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/solvers"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// plainBaseline trains the same MLP with a hand-written Gorgonia loop — the
// code a Gorgonia user writes without convergo: Mul, BroadcastAdd, Rectify,
// the fused loss, a TapeMachine with BindDualValues, gorgonia.Let of fresh
// input tensors per batch — with a fresh solver from the same spec, the same
// initial weights (copied from a model built from the same seed) and the
// same batch order, and prints its seconds per epoch. It is the yardstick
// for the Trainer's overhead.
func plainBaseline(w io.Writer, solverSpec string, m *graph.Model, train *datasets.Set, epochs, batch int, seed uint64) error {
	cfg := m.Config()
	dt := cfg.Dtype
	solver, err := solvers.Parse(solverSpec)
	if err != nil {
		return err
	}
	g := gorgonia.NewGraph()
	f := train.Features()
	x := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(batch, f), gorgonia.WithName("x"))
	y := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(batch, cfg.Classes), gorgonia.WithName("y"))
	param := func(name string) *gorgonia.Node {
		v := m.Store().Tensor(name).Clone().(*tensor.Dense)
		return gorgonia.NewTensor(g, dt, v.Dims(), gorgonia.WithShape(v.Shape()...), gorgonia.WithName(name), gorgonia.WithValue(v))
	}
	w0, b0, w1, b1 := param("dense0.W"), param("dense0.b"), param("dense1.W"), param("dense1.b")
	h := gorgonia.Must(gorgonia.Rectify(gorgonia.Must(gorgonia.BroadcastAdd(gorgonia.Must(gorgonia.Mul(x, w0)), b0, nil, []byte{0}))))
	z := gorgonia.Must(gorgonia.BroadcastAdd(gorgonia.Must(gorgonia.Mul(h, w1)), b1, nil, []byte{0}))
	loss, err := graph.SoftmaxCrossEntropy(z, y)
	if err != nil {
		return err
	}
	params := gorgonia.Nodes{w0, b0, w1, b1}
	if _, err := gorgonia.Grad(loss, params...); err != nil {
		return err
	}
	vm := gorgonia.NewTapeMachine(g, gorgonia.BindDualValues(params...))
	defer vm.Close()
	batcher, err := datasets.NewBatcher(train, datasets.BatchOptions{Size: batch, Shuffle: true, DropLast: true, Seed: seed})
	if err != nil {
		return err
	}
	xb, yb := make([]float32, batch*f), make([]int, batch)
	for epoch := 1; epoch <= epochs; epoch++ {
		start := time.Now()
		batcher.Reset(epoch - 1)
		for {
			n, ok := batcher.Next(xb, yb)
			if !ok {
				break
			}
			xt := tensor.New(tensor.Of(dt), tensor.WithShape(batch, f))
			yt := tensor.New(tensor.Of(dt), tensor.WithShape(batch, cfg.Classes))
			switch d := xt.Data().(type) {
			case []float32:
				copy(d, xb[:n*f])
			case []float64:
				for i, v := range xb[:n*f] {
					d[i] = float64(v)
				}
			}
			for i := range n {
				yt.Set(i*cfg.Classes+yb[i], convert(dt, 1))
			}
			if err := gorgonia.Let(x, xt); err != nil {
				return err
			}
			if err := gorgonia.Let(y, yt); err != nil {
				return err
			}
			vm.Reset()
			if err := vm.RunAll(); err != nil {
				return errors.Wrap(err, "plain loop")
			}
			if err := solver.Step(gorgonia.NodesToValueGrads(params)); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(w, "plain-gorgonia: epoch=%d seconds=%.2f\n", epoch, time.Since(start).Seconds()); err != nil {
			return err
		}
	}
	return nil
}

func convert(dt tensor.Dtype, v float64) any {
	if dt == tensor.Float32 {
		return float32(v)
	}
	return v
}
