//go:build openblas

package blas

import (
	"gonum.org/v1/netlib/blas/netlib"
	"gorgonia.org/gorgonia"
)

const name = "openblas"

func init() { gorgonia.Use(netlib.Implementation{}) }
