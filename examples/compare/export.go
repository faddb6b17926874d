package main

import (
	"fmt"
	"io"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/compare/algoperf"
	"github.com/convergo/convergo/compare/tensorboard"
)

// export writes the -tensorboard and -algoperf outputs of res (each skipped
// when its directory is empty) and says where.
func export(w io.Writer, res *compare.Results, tbDir, apDir string) error {
	if tbDir != "" {
		if err := tensorboard.Write(tbDir, res); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote TensorBoard event files to %s: tensorboard --logdir %s\n", tbDir, tbDir)
	}
	if apDir != "" {
		if err := algoperf.Write(apDir, res); err != nil {
			return err
		}
		fmt.Fprintf(w, "wrote AlgoPerf eval_measurements.csv files to %s (one submission directory per strategy)\n", apDir)
	}
	return nil
}
