package tensorboard_test

import (
	"bytes"
	"fmt"

	"github.com/convergo/convergo/compare/tensorboard"
)

// A program's own scalars as one TensorBoard run: save the bytes as
// RUN/events.out.tfevents.<anything> and point tensorboard --logdir at the
// parent of RUN.
func ExampleWriter() {
	var b bytes.Buffer
	w := tensorboard.NewWriter(&b)
	base := float64(tensorboard.BaseWallTime)
	for step, loss := range []float64{2.3, 1.1, 0.6} {
		if err := w.AddScalar("train/loss", int64(step*100), base+float64(step), loss); err != nil {
			fmt.Println(err)
			return
		}
	}
	// The file_version record (40 bytes) and three scalar records.
	fmt.Println(b.Len(), "bytes")
	fmt.Printf("% x\n", b.Bytes()[:12]) // the first record's length (24) and its masked CRC
	// Output:
	// 183 bytes
	// 18 00 00 00 00 00 00 00 a3 7f 4b 22
}
