package layers

import (
	"encoding/gob"
	"io"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// storeFormat is the version of the Save format.
const storeFormat = 1

type savedStore struct {
	Format  int
	Dtype   string
	Seed    uint64
	Tensors []savedTensor
}

type savedTensor struct {
	Name   string
	Shape  []int
	Buffer bool
	F32    []float32
	F64    []float64
}

// Save writes every tensor of the store — parameters and buffers such as
// batch-norm running statistics — with its name and shape, bit-exact, in
// encoding/gob form. Together with a solver's State it is a checkpoint.
func (s *Store) Save(w io.Writer) error {
	out := savedStore{Format: storeFormat, Dtype: s.Dtype.String(), Seed: s.Seed}
	for _, name := range s.order {
		t := s.tensors[name]
		st := savedTensor{Name: name, Shape: append([]int(nil), t.Shape()...), Buffer: s.buffers[name]}
		switch d := t.Data().(type) {
		case []float32:
			st.F32 = d
		case []float64:
			st.F64 = d
		default:
			return errors.Errorf("layers: Save: tensor %s has unsupported data %T", name, d)
		}
		out.Tensors = append(out.Tensors, st)
	}
	return errors.Wrap(gob.NewEncoder(w).Encode(out), "layers: Save")
}

// Load reads a store written by Save into s, copying the values into s's
// existing tensors in place (so graphs already built over s see them). Every
// tensor of s must be in the input with the same shape, kind (parameter or
// buffer) and dtype, and the input may hold no others: a checkpoint of a
// different network is an error that names the first tensor that differs.
func (s *Store) Load(r io.Reader) error {
	var in savedStore
	if err := gob.NewDecoder(r).Decode(&in); err != nil {
		return errors.Wrap(err, "layers: Load: reading the checkpoint")
	}
	if in.Format != storeFormat {
		return errors.Errorf("layers: Load: checkpoint format %d, want %d", in.Format, storeFormat)
	}
	if in.Dtype != s.Dtype.String() {
		return errors.Errorf("layers: Load: checkpoint is %s, the store %v", in.Dtype, s.Dtype)
	}
	seen := map[string]bool{}
	// Check everything before writing anything, so a bad checkpoint leaves
	// the store untouched.
	for _, st := range in.Tensors {
		t, ok := s.tensors[st.Name]
		if !ok {
			return errors.Errorf("layers: Load: checkpoint tensor %s is not in the store", st.Name)
		}
		if seen[st.Name] {
			return errors.Errorf("layers: Load: checkpoint tensor %s appears twice", st.Name)
		}
		seen[st.Name] = true
		if !t.Shape().Eq(tensor.Shape(st.Shape)) {
			return errors.Errorf("layers: Load: tensor %s has shape %v in the checkpoint, %v in the store", st.Name, tensor.Shape(st.Shape), t.Shape())
		}
		if st.Buffer != s.buffers[st.Name] {
			return errors.Errorf("layers: Load: tensor %s is a buffer in one and a parameter in the other", st.Name)
		}
		n := t.Shape().TotalSize()
		if len(st.F32)+len(st.F64) != n || (s.Dtype == tensor.Float32) != (len(st.F32) == n) {
			return errors.Errorf("layers: Load: tensor %s: checkpoint holds %d float32 and %d float64 values, want %d %v", st.Name, len(st.F32), len(st.F64), n, s.Dtype)
		}
	}
	for _, name := range s.order {
		if !seen[name] {
			return errors.Errorf("layers: Load: store tensor %s is missing from the checkpoint", name)
		}
	}
	for _, st := range in.Tensors {
		switch d := s.tensors[st.Name].Data().(type) {
		case []float32:
			copy(d, st.F32)
		case []float64:
			copy(d, st.F64)
		}
	}
	return nil
}
