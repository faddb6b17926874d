package datasets

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pkg/errors"
)

// FromIDX turns an image IDX (rank 3: count x rows x cols) and a label IDX
// (rank 1: count) into a Set named name. Pixels are scaled to [0,1] as
// float32(byte)/255, Shape is []int{rows, cols} and Classes is the largest
// label plus one (computed, not assumed to be 10). The counts must match.
//
// Computing Classes trusts every label byte: a single corrupt label (255)
// silently makes a 256-class problem. When the number of classes is known,
// use FromIDXClasses, which checks every label against it.
func FromIDX(images, labels *IDX, name string) (*Set, error) {
	return fromIDX(images, labels, name, 0)
}

// FromIDXClasses is FromIDX for a known number of classes (1 to 256):
// every label must be in [0, classes), and the Set's Classes is classes,
// whichever labels occur. A label out of range is a *FormatError naming the
// label file (labels.Name), the byte offset of the label (decompressed, if
// labels.Compressed), its record index and its value.
func FromIDXClasses(images, labels *IDX, name string, classes int) (*Set, error) {
	if classes < 1 || classes > 256 {
		return nil, errors.Errorf("datasets: FromIDXClasses %s: classes = %d, want 1 to 256 (labels are bytes)", name, classes)
	}
	return fromIDX(images, labels, name, classes)
}

// fileOf names an IDX's file in an error message, if it has a name.
func fileOf(m *IDX) string {
	if m.Name == "" {
		return ""
	}
	return " (" + m.Name + ")"
}

// fromIDX is FromIDX (classes 0: computed) and FromIDXClasses.
func fromIDX(images, labels *IDX, name string, classes int) (*Set, error) {
	if images == nil || labels == nil {
		return nil, errors.Errorf("datasets: FromIDX %s: nil IDX", name)
	}
	if images.Type != IDXUint8 || labels.Type != IDXUint8 {
		return nil, errors.Errorf("datasets: FromIDX %s: data types %#02x%s and %#02x%s, want unsigned bytes (0x08)", name, images.Type, fileOf(images), labels.Type, fileOf(labels))
	}
	if len(images.Dims) != 3 {
		return nil, errors.Errorf("datasets: FromIDX %s: images%s have rank %d (dims %v), want 3", name, fileOf(images), len(images.Dims), images.Dims)
	}
	if len(labels.Dims) != 1 {
		return nil, errors.Errorf("datasets: FromIDX %s: labels%s have rank %d (dims %v), want 1", name, fileOf(labels), len(labels.Dims), labels.Dims)
	}
	n, h, w := images.Dims[0], images.Dims[1], images.Dims[2]
	if n <= 0 || h <= 0 || w <= 0 {
		return nil, errors.Errorf("datasets: FromIDX %s: bad image dims %v%s", name, images.Dims, fileOf(images))
	}
	if labels.Dims[0] != n {
		return nil, errors.Errorf("datasets: FromIDX %s: %d images%s but %d labels%s", name, n, fileOf(images), labels.Dims[0], fileOf(labels))
	}
	if len(images.Data) != n*h*w || len(labels.Data) != n {
		return nil, errors.Errorf("datasets: FromIDX %s: %d image bytes and %d label bytes for dims %v and %v",
			name, len(images.Data), len(labels.Data), images.Dims, labels.Dims)
	}
	// Labels first: a bad one fails before the pixels are converted.
	s := &Set{Name: name, Y: make([]int, n), Shape: []int{h, w}, Classes: classes}
	for i, b := range labels.Data {
		if classes > 0 && int(b) >= classes {
			file := labels.Name
			if file == "" {
				file = "(labels of " + name + ")"
			}
			return nil, errors.WithStack(&FormatError{File: file, Offset: 8 + int64(i), Compressed: labels.Compressed,
				Msg: fmt.Sprintf("record %d of %d: label %d out of range [0, %d) for set %s with %d classes", i, n, b, classes, name, classes)})
		}
		s.Y[i] = int(b)
		if classes == 0 {
			s.Classes = max(s.Classes, int(b)+1)
		}
	}
	var scale [256]float32
	for i := range scale {
		scale[i] = float32(i) / 255
	}
	s.X = make([]float32, len(images.Data))
	for i, b := range images.Data {
		s.X[i] = scale[b]
	}
	return s, nil
}

// MNIST file names, as published at http://yann.lecun.com/exdb/mnist/ (and
// used by Fashion-MNIST), without the optional ".gz".
const (
	TrainImagesFile = "train-images-idx3-ubyte"
	TrainLabelsFile = "train-labels-idx1-ubyte"
	TestImagesFile  = "t10k-images-idx3-ubyte"
	TestLabelsFile  = "t10k-labels-idx1-ubyte"
)

// MNISTClasses is the number of classes of MNIST, Fashion-MNIST and
// KMNIST: LoadDir's default.
const MNISTClasses = 10

// LoadOptions configures LoadDirWith. A nil *LoadOptions means the
// defaults.
type LoadOptions struct {
	// Classes is the number of classes (1 to 256): every label must be in
	// [0, Classes), and both sets get Classes. 0 means MNISTClasses (10).
	// EMNIST, for example, needs 47 (balanced), 62 (byclass) or 27
	// (letters, labelled 1 to 26).
	Classes int
	// MaxBytes is the largest payload of each file (IDXOptions.MaxBytes);
	// 0 means MaxIDXBytes.
	MaxBytes int64
}

// LoadDir loads an MNIST-layout directory: the four files TrainImagesFile,
// TrainLabelsFile, TestImagesFile and TestLabelsFile, each raw or with a
// ".gz" suffix (the raw file is preferred when both exist), e.g. Debian's
// /usr/share/datasets/fashion-mnist/. The sets are named
// "<base of dir>/train" and "<base of dir>/test" and have 10 classes
// (MNISTClasses): a label of 10 or more is an error naming its file, record
// and byte offset, not a larger task. If files are missing the error names
// all of them. LoadDir is LoadDirWith(dir, nil).
func LoadDir(dir string) (train, test *Set, err error) { return LoadDirWith(dir, nil) }

// LoadDirWith is LoadDir with options: another number of classes, another
// maximum file size. nil means the defaults.
func LoadDirWith(dir string, o *LoadOptions) (train, test *Set, err error) {
	classes := MNISTClasses
	var iopts *IDXOptions
	if o != nil {
		if o.Classes < 0 || o.Classes > 256 {
			return nil, nil, errors.Errorf("datasets: LoadDir %s: LoadOptions.Classes = %d, want 0 (10) or 1 to 256", dir, o.Classes)
		}
		if o.Classes > 0 {
			classes = o.Classes
		}
		iopts = &IDXOptions{MaxBytes: o.MaxBytes}
	}
	bases := []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile}
	paths := make([]string, len(bases))
	var missing []string
	for i, b := range bases {
		p, ok := findFile(filepath.Join(dir, b))
		if !ok {
			missing = append(missing, b+"[.gz]")
			continue
		}
		paths[i] = p
	}
	if len(missing) > 0 {
		return nil, nil, errors.Errorf("datasets: LoadDir %s: missing %s", dir, strings.Join(missing, ", "))
	}
	idx := make([]*IDX, len(paths))
	for i, p := range paths {
		if idx[i], err = readIDXFile(p, iopts); err != nil {
			return nil, nil, err
		}
	}
	base := filepath.Base(filepath.Clean(dir))
	if train, err = fromIDX(idx[0], idx[1], base+"/train", classes); err != nil {
		return nil, nil, err
	}
	if test, err = fromIDX(idx[2], idx[3], base+"/test", classes); err != nil {
		return nil, nil, err
	}
	if !slices.Equal(train.Shape, test.Shape) {
		return nil, nil, errors.Errorf("datasets: LoadDir %s: train images are %v (%s), test images %v (%s)", dir, train.Shape, paths[0], test.Shape, paths[2])
	}
	return train, test, nil
}

func findFile(p string) (string, bool) {
	for _, c := range []string{p, p + ".gz"} {
		if st, err := os.Stat(c); err == nil && st.Mode().IsRegular() {
			return c, true
		}
	}
	return "", false
}
