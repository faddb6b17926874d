package mnistsample

import (
	"bytes"
	_ "embed"

	"github.com/pkg/errors"

	"github.com/convergo/convergo/datasets"
)

// Sizes of the sample and of its fixed split.
const (
	Size      = 10000 // digits in the sample
	TrainSize = 8000  // rows 0..TrainSize-1
	TestSize  = 2000  // rows TrainSize..Size-1
)

// The embedded files, as written by scripts/mnistsample/convert.py.
var (
	//go:embed images-idx3-ubyte.gz
	imagesGz []byte
	//go:embed labels-idx1-ubyte.gz
	labelsGz []byte
)

// All returns the whole sample, 10,000 digits named "mnist-sample", in file
// order (the train part then the test part). Each call decodes the embedded
// files afresh and returns a new Set the caller may modify.
func All() (*datasets.Set, error) {
	images, err := datasets.ReadIDX(bytes.NewReader(imagesGz), "mnistsample/images-idx3-ubyte.gz")
	if err != nil {
		return nil, err
	}
	labels, err := datasets.ReadIDX(bytes.NewReader(labelsGz), "mnistsample/labels-idx1-ubyte.gz")
	if err != nil {
		return nil, err
	}
	s, err := datasets.FromIDXClasses(images, labels, "mnist-sample", datasets.MNISTClasses)
	if err != nil {
		return nil, err
	}
	if s.Len() != Size || s.Classes != 10 {
		return nil, errors.Errorf("mnistsample: embedded data has %d digits and %d classes, want %d and 10", s.Len(), s.Classes, Size)
	}
	return s, nil
}

// Load returns the fixed split of the sample: the 8,000 digits of the train
// part, named "mnist-sample/train", and the 2,000 of the held-out test part,
// named "mnist-sample/test". See the package documentation for how the split
// was made.
func Load() (train, test *datasets.Set, err error) {
	all, err := All()
	if err != nil {
		return nil, nil, err
	}
	if train, err = all.Slice(0, TrainSize); err != nil {
		return nil, nil, err
	}
	if test, err = all.Slice(TrainSize, Size); err != nil {
		return nil, nil, err
	}
	train.Name, test.Name = "mnist-sample/train", "mnist-sample/test"
	return train, test, nil
}
