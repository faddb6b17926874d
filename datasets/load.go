package datasets

import (
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
func FromIDX(images, labels *IDX, name string) (*Set, error) {
	if images == nil || labels == nil {
		return nil, errors.Errorf("datasets: FromIDX %s: nil IDX", name)
	}
	if images.Type != IDXUint8 || labels.Type != IDXUint8 {
		return nil, errors.Errorf("datasets: FromIDX %s: data types %#02x and %#02x, want unsigned bytes (0x08)", name, images.Type, labels.Type)
	}
	if len(images.Dims) != 3 {
		return nil, errors.Errorf("datasets: FromIDX %s: images have rank %d (dims %v), want 3", name, len(images.Dims), images.Dims)
	}
	if len(labels.Dims) != 1 {
		return nil, errors.Errorf("datasets: FromIDX %s: labels have rank %d (dims %v), want 1", name, len(labels.Dims), labels.Dims)
	}
	n, h, w := images.Dims[0], images.Dims[1], images.Dims[2]
	if n <= 0 || h <= 0 || w <= 0 {
		return nil, errors.Errorf("datasets: FromIDX %s: bad image dims %v", name, images.Dims)
	}
	if labels.Dims[0] != n {
		return nil, errors.Errorf("datasets: FromIDX %s: %d images but %d labels", name, n, labels.Dims[0])
	}
	if len(images.Data) != n*h*w || len(labels.Data) != n {
		return nil, errors.Errorf("datasets: FromIDX %s: %d image bytes and %d label bytes for dims %v and %v",
			name, len(images.Data), len(labels.Data), images.Dims, labels.Dims)
	}
	var scale [256]float32
	for i := range scale {
		scale[i] = float32(i) / 255
	}
	s := &Set{
		Name:  name,
		X:     make([]float32, len(images.Data)),
		Y:     make([]int, n),
		Shape: []int{h, w},
	}
	for i, b := range images.Data {
		s.X[i] = scale[b]
	}
	for i, b := range labels.Data {
		s.Y[i] = int(b)
		s.Classes = max(s.Classes, int(b)+1)
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

// LoadDir loads an MNIST-layout directory: the four files TrainImagesFile,
// TrainLabelsFile, TestImagesFile and TestLabelsFile, each raw or with a
// ".gz" suffix (the raw file is preferred when both exist), e.g. Debian's
// /usr/share/datasets/fashion-mnist/. The sets are named
// "<base of dir>/train" and "<base of dir>/test". If files are missing the
// error names all of them.
func LoadDir(dir string) (train, test *Set, err error) {
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
		if idx[i], err = ReadIDXFile(p); err != nil {
			return nil, nil, err
		}
	}
	base := filepath.Base(filepath.Clean(dir))
	if train, err = FromIDX(idx[0], idx[1], base+"/train"); err != nil {
		return nil, nil, err
	}
	if test, err = FromIDX(idx[2], idx[3], base+"/test"); err != nil {
		return nil, nil, err
	}
	// Both parts describe the same task: use the larger class count.
	c := max(train.Classes, test.Classes)
	train.Classes, test.Classes = c, c
	if !slices.Equal(train.Shape, test.Shape) {
		return nil, nil, errors.Errorf("datasets: LoadDir %s: train images are %v, test images %v", dir, train.Shape, test.Shape)
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
