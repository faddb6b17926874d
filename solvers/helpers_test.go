package solvers

import (
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// testParam is a gorgonia.ValueGrad (and Namer) holding a value and a
// gradient tensor, so tests can set gradients by hand without a graph.
type testParam struct {
	name string
	v, g *tensor.Dense
}

func (p *testParam) Name() string                  { return p.name }
func (p *testParam) Value() gorgonia.Value         { return p.v }
func (p *testParam) Grad() (gorgonia.Value, error) { return p.g, nil }

// newParam returns a parameter of the given dtype and shape holding vals
// (converted), with a zero gradient. An empty shape is a scalar.
func newParam(name string, dt tensor.Dtype, shape []int, vals ...float64) *testParam {
	mk := func() *tensor.Dense {
		if len(shape) == 0 {
			if dt == tensor.Float32 {
				return tensor.New(tensor.FromScalar(float32(0)))
			}
			return tensor.New(tensor.FromScalar(float64(0)))
		}
		return tensor.New(tensor.WithShape(shape...), tensor.Of(dt))
	}
	p := &testParam{name: name, v: mk(), g: mk()}
	p.set(vals)
	return p
}

func (p *testParam) set(vals []float64) { setDense(p.v, vals) }

func (p *testParam) setGrad(vals []float64) { setDense(p.g, vals) }

func setDense(d *tensor.Dense, vals []float64) {
	if d.Dtype() == tensor.Float32 {
		for i, v := range vals {
			d.Float32s()[i] = float32(v)
		}
		return
	}
	copy(d.Float64s(), vals)
}

func getDense(d *tensor.Dense) []float64 {
	if d.Dtype() == tensor.Float32 {
		out := make([]float64, len(d.Float32s()))
		for i, v := range d.Float32s() {
			out[i] = float64(v)
		}
		return out
	}
	return append([]float64(nil), d.Float64s()...)
}

func (p *testParam) values() []float64 { return getDense(p.v) }
func (p *testParam) grads() []float64  { return getDense(p.g) }

func valueGrads(ps ...*testParam) []gorgonia.ValueGrad {
	out := make([]gorgonia.ValueGrad, len(ps))
	for i, p := range ps {
		out[i] = p
	}
	return out
}

// builtinNames returns the names of Names() that are built-in solvers
// (not those a test or example registered), for the tests that must
// cover every solver: iterating Names() means a new solver cannot be
// missed. It fails the test if Names() misses a built-in.
func builtinNames(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, n := range Names() {
		if _, ok := builtins[n]; ok {
			out = append(out, n)
		}
	}
	if len(out) != len(builtins) {
		t.Fatalf("Names() = %v misses built-in solvers (%d of %d)", Names(), len(out), len(builtins))
	}
	return out
}

// checkCovers fails t unless specs has a spec of every built-in solver of
// Names() (a spec's name is what precedes its "(").
func checkCovers(t *testing.T, list string, specs []string) {
	t.Helper()
	have := map[string]bool{}
	for _, s := range specs {
		name, _, _ := strings.Cut(s, "(")
		have[name] = true
	}
	for _, name := range builtinNames(t) {
		if !have[name] {
			t.Errorf("%s has no spec of solver %s: add one", list, name)
		}
	}
}
