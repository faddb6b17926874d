package mnistsample_test

import (
	"fmt"
	"log"

	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/datasets/mnistsample"
)

func ExampleLoad() {
	train, test, err := mnistsample.Load()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.Name, train.Len(), train.Shape, train.Classes)
	fmt.Println(test.Name, test.Len(), test.Shape, test.Classes)
	fmt.Println("test digits per class:", test.ClassCounts())
	// Output:
	// mnist-sample/train 8000 [28 28] 10
	// mnist-sample/test 2000 [28 28] 10
	// test digits per class: [200 225 198 206 196 173 203 214 189 196]
}

// Carve a validation set out of the train part and iterate over it in
// shuffled mini-batches.
func ExampleLoad_batches() {
	train, _, err := mnistsample.Load()
	if err != nil {
		log.Fatal(err)
	}
	fit, val, err := train.Split(1000, 1)
	if err != nil {
		log.Fatal(err)
	}
	b, err := datasets.NewBatcher(fit, datasets.BatchOptions{Size: 128, Shuffle: true, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	x := make([]float32, 128*fit.Features())
	y := make([]int, 128)
	rows := 0
	for epoch := range 2 {
		b.Reset(epoch)
		for {
			n, ok := b.Next(x, y)
			if !ok {
				break
			}
			rows += n // train on x[:n*784], y[:n]
		}
	}
	fmt.Println(fit.Name, fit.Len(), val.Name, val.Len())
	fmt.Println(b.NumBatches(), "batches per epoch,", rows, "rows in 2 epochs")
	// Output:
	// mnist-sample/train/train 7000 mnist-sample/train/val 1000
	// 55 batches per epoch, 14000 rows in 2 epochs
}
