package main

import (
	"testing"

	"github.com/convergo/convergo/examples/internal/clitest"
)

// TestReproducible runs the program twice with the same seed on a subset of
// the embedded sample and requires identical output apart from timings
// (dropout masks included), in examples/mnist's line format.
func TestReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a convnet twice")
	}
	clitest.Reproducible(t, run, []string{"-epochs", "2", "-limit", "256", "-seed", "7"}, 2, 0.4) // observed 0.506 on 256 images; chance is 0.1
}

func TestFlagErrors(t *testing.T) {
	clitest.FlagErrors(t, run, []clitest.FlagError{
		{Args: []string{"-dtype", "int8"}, Want: "-dtype"},
		{Args: []string{"-dropout", "1"}, Want: "-dropout"},
		{Args: []string{"-solver", "nosuch"}, Want: "nosuch"},
		{Args: []string{"-schedule", "cosine(max=0.1,T=0)"}, Want: "T"},
		{Args: []string{"-data", "/nonexistent"}, Want: "/nonexistent"},
		{Args: []string{"extra"}, Want: "unexpected arguments"},
	})
}
