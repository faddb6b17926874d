package layers_test

import (
	"strings"
	"testing"

	"github.com/convergo/convergo/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestGradientsIssue5 is TestGradients for the convolution, pooling,
// normalisation, dropout and activation layers: relative error ≤ 1e-6
// against central finite differences in float64, on inputs from a fixed
// seed.
func TestGradientsIssue5(t *testing.T) {
	tests := []struct {
		name  string
		layer layers.Layer
		in    []int
		steps []int // batch hooks to run first (dropout masks)
		long  bool
	}{
		{"conv-3x3", layers.Conv2D(2, 3).WithInit(layers.GlorotUniform, layers.TorchDefault), []int{2, 2, 5, 5}, nil, false},
		{"conv-stride2-pad1", layers.Conv2D(3, 3).WithStride(2).WithPadding(1).WithInit(layers.HeNormal, layers.TorchDefault), []int{2, 2, 6, 5}, nil, false},
		{"conv-rect-nobias", &layers.Conv2DLayer{Filters: 2, Kernel: [2]int{2, 3}, Stride: [2]int{1, 2}, Padding: [2]int{1, 0}, NoBias: true}, []int{1, 3, 4, 6}, nil, false},
		{"maxpool-2", layers.MaxPool2D(2), []int{2, 2, 4, 4}, nil, false},
		{"maxpool-3-stride2-pad1", layers.MaxPool2D(3).WithStride(2).WithPadding(1), []int{1, 2, 5, 6}, nil, false},
		{"avgpool-2", layers.AvgPool2D(2), []int{2, 2, 4, 5}, nil, false},
		{"avgpool-3-stride1-pad1", layers.AvgPool2D(3).WithStride(1).WithPadding(1), []int{1, 2, 4, 4}, nil, false},
		{"flatten-dense", layers.Stack(layers.Flatten(), layers.Dense(3)), []int{2, 2, 3, 2}, nil, false},
		{"batchnorm-1d", layers.BatchNorm(), []int{6, 3}, nil, false},
		{"batchnorm-2d", layers.BatchNorm(), []int{3, 2, 3, 3}, nil, false},
		{"batchnorm-dense", layers.Stack(&layers.DenseLayer{Units: 4, NoBias: true}, // a bias before BN has gradient 0 exactly: noise only
			layers.BatchNorm(), layers.Tanh()), []int{5, 3}, nil, false},
		{"dropout", layers.Dropout(0.4), []int{4, 5}, []int{3}, false},
		{"dropout-dense", layers.Stack(layers.Dense(6), layers.Dropout(0.5), layers.Dense(2)), []int{3, 4}, []int{7}, false},
		{"leakyrelu", layers.LeakyReLU(0.1), []int{3, 4}, nil, false},
		{"gelu", layers.GELU(), []int{3, 4}, nil, false},
		{"softmax", layers.Softmax(), []int{3, 5}, nil, false},
		{"logsoftmax", layers.LogSoftmax(), []int{3, 5}, nil, false},
		// The conv has no bias: before batch norm its gradient is 0 exactly,
		// and the finite difference of a true 0 is rounding noise (4e-10,
		// past the limit under GOAMD64=v3 and OpenBLAS). Nets put no bias
		// there for the same reason (torch: Conv2d(bias=False) before BN).
		{"lenet-block", layers.Stack((&layers.Conv2DLayer{Filters: 2, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, NoBias: true}).WithPadding(1), layers.BatchNorm(), layers.ReLU(), layers.MaxPool2D(2),
			layers.Flatten(), layers.Dropout(0.3), layers.Dense(3)), []int{2, 1, 6, 6}, []int{1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.long && testing.Short() {
				t.Skip("long")
			}
			checkLayerGradient(t, tt.layer, tt.in, tt.steps)
		})
	}
}

// TestShapeErrors checks that a layer given an input it cannot take names
// itself and the shapes involved.
func TestShapeErrors(t *testing.T) {
	tests := []struct {
		name  string
		layer layers.Layer
		in    []int
		want  []string
	}{
		{"conv-rank", layers.Conv2D(4, 3), []int{2, 10}, []string{"conv0", "(2, 10)"}},
		{"conv-small", layers.Conv2D(4, 5), []int{2, 1, 3, 3}, []string{"conv0", "(2, 1, 3, 3)", "[5 5]"}},
		{"conv-params", layers.Conv2D(0, 3), []int{2, 1, 3, 3}, []string{"conv0", "filters 0"}},
		{"pool-rank", layers.MaxPool2D(2), []int{2, 10}, []string{"maxpool0", "(2, 10)"}},
		{"pool-small", layers.AvgPool2D(4), []int{2, 1, 3, 3}, []string{"avgpool0", "(2, 1, 3, 3)", "[4 4]"}},
		{"pool-pad", layers.MaxPool2D(2).WithPadding(2), []int{2, 1, 3, 3}, []string{"maxpool0", "padding [2 2]"}},
		{"bn-rank", layers.BatchNorm(), []int{2, 3, 4}, []string{"batchnorm0", "(2, 3, 4)"}},
		{"bn-one", layers.BatchNorm(), []int{1, 3}, []string{"batchnorm0", "(1, 3)"}},
		{"softmax-rank", layers.Softmax(), []int{2, 3, 4}, []string{"softmax0", "(2, 3, 4)"}},
		{"flatten-rank", layers.Flatten(), []int{5}, []string{"flatten0", "(5)"}},
		{"dropout-rate", layers.Dropout(1), []int{2, 3}, []string{"dropout0", "rate 1"}},
		{"conv-then-dense", layers.Stack(layers.Conv2D(2, 3), layers.Dense(4)), []int{2, 1, 5, 5}, []string{"dense0", "(2, 2, 3, 3)", "Flatten"}},
		{"dense-then-conv", layers.Stack(layers.Dense(4), layers.Conv2D(2, 3)), []int{2, 5}, []string{"conv0", "(2, 4)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := gorgonia.NewGraph()
			store, _ := layers.NewStore(1, tensor.Float32)
			b := layers.NewBuilder(g, store, true)
			x := gorgonia.NewTensor(g, tensor.Float32, len(tt.in), gorgonia.WithShape(tt.in...), gorgonia.WithName("x"))
			_, err := layers.BuildSafe(tt.layer, b, x)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}
