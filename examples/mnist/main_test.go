package main

import (
	"testing"

	"github.com/convergo/convergo/examples/internal/clitest"
)

// TestReproducible runs the program twice with the same seed on a subset of
// the embedded sample and requires identical output apart from timings, in
// the line format the README documents.
func TestReproducible(t *testing.T) {
	clitest.Reproducible(t, run, []string{"-epochs", "2", "-limit", "1000", "-seed", "7", "-hidden", "32"}, 2, 0.75) // observed 0.81; chance is 0.1
}

func TestFlagErrors(t *testing.T) {
	clitest.FlagErrors(t, run, []clitest.FlagError{
		{Args: []string{"-dtype", "int8"}, Want: "-dtype"},
		{Args: []string{"-solver", "sgd(lr=-1)"}, Want: "lr"},
		{Args: []string{"-solver", "nosuch"}, Want: "nosuch"},
		{Args: []string{"-schedule", "cosine(max=0.1,T=0)"}, Want: "T"},
		{Args: []string{"-data", "/nonexistent"}, Want: "/nonexistent"},
		{Args: []string{"extra"}, Want: "unexpected arguments"},
	})
}
