package layers

import (
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Flatten returns the layer that reshapes (batch, d1, d2, …) into
// (batch, d1·d2·…), row-major, as torch nn.Flatten: the bridge from
// convolution and pooling layers, whose outputs are NCHW, to Dense.
func Flatten() Layer { return flatten{} }

type flatten struct{}

func (flatten) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	name := b.Name("flatten")
	s := x.Shape()
	if len(s) < 2 {
		return nil, errors.Errorf("layers: %s: input shape %v, want (batch, …) with at least 2 dimensions", name, s)
	}
	if len(s) == 2 {
		return x, nil
	}
	y, err := gorgonia.Reshape(x, tensor.Shape{s[0], s.TotalSize() / s[0]})
	if err != nil {
		return nil, errors.Wrapf(err, "layers: %s: reshaping %v", name, s)
	}
	return y, nil
}
