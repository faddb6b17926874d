package solvertest_test

import (
	"context"
	"fmt"
	"log"
	"math"

	"github.com/convergo/convergo/solvers/solvertest"
)

// Gradient descent on Booth's function with step 1/L: f - f* = 2·(64/81)^t.
func ExampleRunSpec() {
	p := solvertest.Booth()
	r, err := solvertest.RunSpec(context.Background(), p, "sgd(lr=0.05555555555555555)", &solvertest.Options{Steps: 100})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("f-f* at t=0,1,2: %.4f %.4f %.4f\n", r.Curve[0], r.Curve[1], r.Curve[2])
	fmt.Printf("ratio at t=50: %.6f (64/81 = %.6f)\n", r.Curve[51]/r.Curve[50], 64.0/81)
	fmt.Println("steps to 1e-6:", r.StepsToTol)
	fmt.Printf("x = (%.4f, %.4f)\n", r.X[0], r.X[1])
	// Output:
	// f-f* at t=0,1,2: 74.0000 1.5802 1.2486
	// ratio at t=50: 0.790123 (64/81 = 0.790123)
	// steps to 1e-6: 62
	// x = (1.0000, 3.0000)
}

// A solver comparison on a quadratic with condition number κ = 100 (L = 100,
// μ = 1): steps to reach f - f* ≤ 1e-6 from (1, …, 1). Gradient descent
// with its optimal step 2/(L+μ) converges like ((κ-1)/(κ+1))^t, the tuned
// heavy ball (Polyak 1964) like ((√κ-1)/(√κ+1))^t, Nesterov with step 1/L
// like (1-1/√κ)^t. convergo's momentum spec is the EMA form, so its lr is
// the heavy ball's divided by 1-β. See TestHeavyBallBeatsGD for the
// assertions. Adam, a diagonal preconditioner, does well on the diagonal
// quadratic, whose ill-conditioning is axis-aligned, and three times worse
// once the same spectrum is rotated (same lr).
func Example_compare() {
	const kappa = 100.0
	p := solvertest.Quadratic(10, kappa, 0)       // diagonal
	rotated := solvertest.Quadratic(10, kappa, 1) // same spectrum, seeded rotation
	sk := math.Sqrt(kappa)
	q := (sk - 1) / (sk + 1)
	hbLR, hbBeta := 4/((sk+1)*(sk+1)), q*q
	for _, c := range []struct {
		name, spec string
		rotated    bool
	}{
		{"GD, lr 1/L", fmt.Sprintf("sgd(lr=%v)", 1/kappa), false},
		{"GD, lr 2/(L+μ)", fmt.Sprintf("sgd(lr=%v)", 2/(kappa+1)), false},
		{"Nesterov, lr 1/L", fmt.Sprintf("sgd(lr=%v,momentum=%v,nesterov=true)", 1/kappa, q), false},
		{"heavy ball (sgd)", fmt.Sprintf("sgd(lr=%v,momentum=%v)", hbLR, hbBeta), false},
		{"heavy ball (momentum)", fmt.Sprintf("momentum(lr=%v,beta=%v)", hbLR/(1-hbBeta), hbBeta), false},
		{"heavy ball, rotated", fmt.Sprintf("sgd(lr=%v,momentum=%v)", hbLR, hbBeta), true},
		{"adam, lr 0.1", "adam(lr=0.1)", false},
		{"adam, lr 0.1, rotated", "adam(lr=0.1)", true},
	} {
		prob := p
		if c.rotated {
			prob = rotated
		}
		r, err := solvertest.RunSpec(context.Background(), prob, c.spec, &solvertest.Options{Steps: 2000, StopAtTol: true})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-22s %4d\n", c.name, r.StepsToTol)
	}
	// Output:
	// GD, lr 1/L              653
	// GD, lr 2/(L+μ)          444
	// Nesterov, lr 1/L         83
	// heavy ball (sgd)         69
	// heavy ball (momentum)    69
	// heavy ball, rotated      70
	// adam, lr 0.1             82
	// adam, lr 0.1, rotated   265
}
