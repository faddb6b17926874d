package layers_test

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/convergo/convergo/layers"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func buildStore(t *testing.T, seed uint64, dt tensor.Dtype, net layers.Layer, in int) *layers.Store {
	t.Helper()
	g := gorgonia.NewGraph()
	store, err := layers.NewStore(seed, dt)
	if err != nil {
		t.Fatal(err)
	}
	b := layers.NewBuilder(g, store, true)
	x := gorgonia.NewMatrix(g, dt, gorgonia.WithShape(2, in), gorgonia.WithName("x"))
	if _, err := net.Build(b, x); err != nil {
		t.Fatal(err)
	}
	return store
}

func TestStoreSaveLoad(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			net := layers.Stack(layers.Dense(3), layers.BatchNorm(), layers.Dense(2))
			a := buildStore(t, 1, dt, net, 4)
			b := buildStore(t, 2, dt, net, 4) // different seed: different weights
			var buf bytes.Buffer
			if err := a.Save(&buf); err != nil {
				t.Fatal(err)
			}
			if err := b.Load(&buf); err != nil {
				t.Fatal(err)
			}
			for _, name := range a.Names() {
				va, vb := a.Tensor(name), b.Tensor(name)
				if !bytes.Equal(raw(va), raw(vb)) {
					t.Errorf("%s differs after Load", name)
				}
			}
		})
	}
}

func raw(t *tensor.Dense) []byte {
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, t.Data()); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func TestStoreLoadErrors(t *testing.T) {
	save := func(s *layers.Store) *bytes.Buffer {
		var buf bytes.Buffer
		if err := s.Save(&buf); err != nil {
			t.Fatal(err)
		}
		return &buf
	}
	small := buildStore(t, 1, tensor.Float32, layers.Dense(3), 4)
	tests := []struct {
		name  string
		input *bytes.Buffer
		into  *layers.Store
		want  string
	}{
		{"shape", save(small), buildStore(t, 1, tensor.Float32, layers.Dense(5), 4), "dense0.W has shape (4, 3) in the checkpoint, (4, 5) in the store"},
		{"dtype", save(small), buildStore(t, 1, tensor.Float64, layers.Dense(3), 4), "checkpoint is float32"},
		{"extra", save(buildStore(t, 1, tensor.Float32, layers.Stack(layers.Dense(3), layers.Dense(2)), 4)), small, "dense1.W is not in the store"},
		{"missing", save(small), buildStore(t, 1, tensor.Float32, layers.Stack(layers.Dense(3), layers.Dense(2)), 4), "dense1.W is missing"},
		{"garbage", bytes.NewBufferString("not a checkpoint"), small, "reading the checkpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.into.Tensor("dense0.W").Clone().(*tensor.Dense)
			err := tt.into.Load(tt.input)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			if before.String() != tt.into.Tensor("dense0.W").String() {
				t.Error("a failed Load changed the store")
			}
		})
	}
}
