package solvertest_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/convergo/convergo/solvers/solvertest"
)

// TestDocHeavyBallBeatsGD is the example of the package documentation
// ("Writing a solver comparison"), as written there.
func TestDocHeavyBallBeatsGD(t *testing.T) {
	p := solvertest.Quadratic(10, 100, 0) // L = 100, μ = 1
	opt := solvertest.Options{Steps: 2000, StopAtTol: true}
	sL, sMu := math.Sqrt(p.L), math.Sqrt(p.Mu)
	gd, err := solvertest.RunSpec(t.Context(), p, fmt.Sprintf("sgd(lr=%v)", 2/(p.L+p.Mu)), &opt)
	if err != nil {
		t.Fatal(err)
	}
	// Polyak 1964: α = 4/(√L+√μ)², β = ((√L−√μ)/(√L+√μ))².
	hb, err := solvertest.RunSpec(t.Context(), p, fmt.Sprintf("sgd(lr=%v,momentum=%v)",
		4/((sL+sMu)*(sL+sMu)), (sL-sMu)*(sL-sMu)/((sL+sMu)*(sL+sMu))), &opt)
	if err != nil {
		t.Fatal(err)
	}
	// Rates ((√κ-1)/(√κ+1))^t versus ((κ-1)/(κ+1))^t.
	if 5*hb.StepsToTol > gd.StepsToTol {
		t.Errorf("heavy ball %d steps, gd %d", hb.StepsToTol, gd.StepsToTol)
	}
	t.Logf("heavy ball %d steps, gd %d", hb.StepsToTol, gd.StepsToTol)
}
