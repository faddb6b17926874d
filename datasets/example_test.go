package datasets_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"log"

	"github.com/convergo/convergo/datasets"
)

// Iterate over a synthetic set in shuffled mini-batches. Next copies each
// batch into buffers allocated once; the last, partial batch has n < Size.
func ExampleBatcher() {
	s, err := datasets.Blobs(10, 2, 3, 1)
	if err != nil {
		log.Fatal(err)
	}
	b, err := datasets.NewBatcher(s, datasets.BatchOptions{Size: 4, Shuffle: true, Seed: 7})
	if err != nil {
		log.Fatal(err)
	}
	x := make([]float32, 4*s.Features())
	y := make([]int, 4)
	fmt.Println(s.Len(), "rows,", b.NumBatches(), "batches per epoch")
	for epoch := range 2 {
		b.Reset(epoch)
		for {
			n, ok := b.Next(x, y)
			if !ok {
				break
			}
			fmt.Printf("epoch %d: %d rows\n", epoch, n)
		}
	}
	// Output:
	// 10 rows, 3 batches per epoch
	// epoch 0: 4 rows
	// epoch 0: 4 rows
	// epoch 0: 2 rows
	// epoch 1: 4 rows
	// epoch 1: 4 rows
	// epoch 1: 2 rows
}

// Reset(e) gives the same order for epoch e however the run got there, so a
// run resumed from a checkpoint at epoch 3 sees the same batches.
func ExampleBatcher_Reset() {
	s, _ := datasets.Blobs(6, 1, 2, 0)
	b, _ := datasets.NewBatcher(s, datasets.BatchOptions{Size: 6, Shuffle: true, Seed: 1})
	b.Reset(3)
	first := fmt.Sprint(b.Order())
	for e := range 3 {
		b.Reset(e)
	}
	b.Reset(3)
	fmt.Println(first == fmt.Sprint(b.Order()))
	// Output:
	// true
}

// Read an IDX file (here built in memory and gzipped) and make a Set.
func ExampleReadIDX() {
	var raw bytes.Buffer
	datasets.WriteIDX(&raw, &datasets.IDX{Type: datasets.IDXUint8, Dims: []int{2, 2, 2}, Data: []byte{0, 255, 51, 102, 0, 0, 0, 255}})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw.Bytes())
	zw.Close()

	images, err := datasets.ReadIDX(&gz, "images.gz")
	if err != nil {
		log.Fatal(err)
	}
	labels := &datasets.IDX{Type: datasets.IDXUint8, Dims: []int{2}, Data: []byte{3, 1}}
	s, err := datasets.FromIDX(images, labels, "tiny")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(images.Dims, s.Shape, s.Classes, s.Row(0))

	// A corrupt file gives an error naming the file, the problem and the offset.
	_, err = datasets.ReadIDX(bytes.NewReader(raw.Bytes()[:10]), "cut.idx")
	fmt.Println(err)
	var fe *datasets.FormatError
	fmt.Println(errors.As(err, &fe), fe.Offset)
	// Output:
	// [2 2 2] [2 2] 4 [0 1 0.2 0.4]
	// datasets: IDX file cut.idx: byte offset 10: truncated header: 6 of 12 dimension bytes
	// true 10
}

// Hold out a random validation set; the split is a function of the seed.
func ExampleSet_Split() {
	s, _ := datasets.Blobs(100, 2, 4, 1)
	train, val, err := s.Split(20, 42)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(train.Name, train.Len())
	fmt.Println(val.Name, val.Len())
	// Output:
	// blobs(n=100,features=2,classes=4,seed=1)/train 80
	// blobs(n=100,features=2,classes=4,seed=1)/val 20
}

func ExampleLoadDir() {
	_, _, err := datasets.LoadDir("/nonexistent")
	fmt.Println(err)
	// Output:
	// datasets: LoadDir /nonexistent: missing train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]
}
