package solvertest

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestQuadraticDeepSpectrum recovers the Hessian of QuadraticDeep from its
// gradient (column j = ∇F(eⱼ)) and checks its construction: symmetric, 90
// eigenvalues in (0, 1) and 10 in (30, 60), equal to the drawn spectrum,
// L and Mu its extremes.
func TestQuadraticDeepSpectrum(t *testing.T) {
	p := QuadraticDeep(128)
	n := p.Dim
	h := mat.NewSymDense(n, nil)
	e, g := make([]float64, n), make([]float64, n)
	for j := range n {
		clear(e)
		e[j] = 1
		p.Grad(g, e)
		for i := 0; i <= j; i++ {
			h.SetSym(i, j, g[i])
		}
	}
	var es mat.EigenSym
	if !es.Factorize(h, false) {
		t.Fatal("eigendecomposition failed")
	}
	got := es.Values(nil)
	slices.Sort(got)
	want := quadraticDeepSpectrum()
	slices.Sort(want)
	for i := range n {
		if math.Abs(got[i]-want[i]) > 1e-10*max(1, want[i]) {
			t.Fatalf("eigenvalue %d: %v, drawn %v", i, got[i], want[i])
		}
		if in := i < 90; in && !(got[i] > 0 && got[i] < 1) || !in && !(got[i] > 30 && got[i] < 60) {
			t.Errorf("eigenvalue %d = %v out of its interval", i, got[i])
		}
	}
	if p.Mu != want[0] || p.L != want[n-1] {
		t.Errorf("Mu, L = %v, %v, want %v, %v", p.Mu, p.L, want[0], want[n-1])
	}
	// F(1) = ½ 1ᵀH1
	if f := p.F(p.Start); !(f > 0) {
		t.Errorf("F(start) = %v", f)
	}
}
