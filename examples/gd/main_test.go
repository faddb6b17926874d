package main

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"
)

// TestClosedForm checks every printed x against the closed form 0.8^t:
// x ← x − lr·2x with lr = 0.1.
func TestClosedForm(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, 100, 10); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 11 {
		t.Fatalf("got %d lines, want 11:\n%s", len(lines), out.String())
	}
	for i, line := range lines {
		var step int
		var x, f float64
		if _, err := fmt.Sscanf(line, "step=%d x=%g f=%g", &step, &x, &f); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		want := math.Pow(0.8, float64(step))
		// %.6g prints six significant digits: relative rounding ≤ 5e-6.
		const tol = 5e-6
		if step != 10*i || math.Abs(x-want) > tol*want || math.Abs(f-want*want) > tol*want*want {
			t.Errorf("line %q: want step=%d x=%.6g f=%.6g", line, 10*i, want, want*want)
		}
	}
}

func TestFlagErrors(t *testing.T) {
	for _, c := range []struct {
		spec         string
		x0           float64
		steps, every int
		want         string
	}{
		{"nosuch", 1, 10, 1, "nosuch"},
		{"sgd", math.NaN(), 10, 1, "-x0"},
		{"sgd", 1, -1, 1, "-steps"},
		{"sgd", 1, 10, 0, "-every"},
	} {
		var out bytes.Buffer
		if err := runWith(&out, c.spec, c.x0, c.steps, c.every); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error containing %q", c, err, c.want)
		}
	}
}
