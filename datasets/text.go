package datasets

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/pkg/errors"
)

// Text cuts data into non-overlapping windows of context bytes for
// next-byte prediction (the character-level setup of nanoGPT's
// shakespeare_char, on raw bytes: a vocabulary of 256): row r is
//
//	X   = data[r·context : (r+1)·context]        the byte values 0…255 as float32 (not scaled)
//	Seq = data[r·context+1 : (r+1)·context+1]     the next byte of every position
//
// with Shape {context}, Classes 256, SeqLen context and Y the row's last
// target. A trailing piece shorter than a window is dropped. Fewer than
// context+1 bytes is an error.
func Text(name string, data []byte, context int) (*Set, error) {
	if context < 1 {
		return nil, errors.Errorf("datasets: Text %q: context %d, want ≥ 1", name, context)
	}
	rows := (len(data) - 1) / context
	if rows < 1 {
		return nil, errors.Errorf("datasets: Text %q: %d bytes, fewer than one window of %d plus its target", name, len(data), context)
	}
	s := &Set{Name: name, Shape: []int{context}, Classes: 256, SeqLen: context,
		X: make([]float32, rows*context), Y: make([]int, rows), Seq: make([]int, rows*context)}
	for i := range rows * context {
		s.X[i] = float32(data[i])
		s.Seq[i] = int(data[i+1])
	}
	for r := range rows {
		s.Y[r] = s.Seq[(r+1)*context-1]
	}
	return s, nil
}

// GoSourceOptions select the Go source corpus (GoSource). The zero value
// means the defaults.
type GoSourceOptions struct {
	// Root is the directory searched; default $(go env GOROOT)/src.
	Root string
	// Bytes is the budget of the whole selection, training and validation
	// (default 1 MiB = 1,048,576).
	Bytes int
	// ValEvery sends every ValEvery-th selected file (the 10th, 20th, …)
	// to validation; default 10, so about a tenth of the bytes.
	ValEvery int
	// MaxFile is the largest file considered (default 65,536 bytes).
	MaxFile int
}

// GoSource returns a text corpus that is present wherever Go builds: the
// Go standard library's own source (BSD-licensed), read as bytes. The
// selection is documented and deterministic for a given Go installation:
//
//  1. the candidates are the regular files under Root whose name ends in
//     ".go" but not in "_test.go", of at most MaxFile bytes (which leaves
//     out generated tables), skipping directories named testdata or
//     vendor, in lexical order of their slash-separated paths relative to
//     Root;
//  2. with S the candidates' total size, every k-th candidate is taken
//     (the 1st, (k+1)th, …), k = ⌈S / Bytes⌉, so that the budget spans the
//     whole tree rather than its first packages;
//  3. a file is selected if it fits in what is left of Bytes, else skipped;
//  4. selected file j (from 1) goes to validation when j % ValEvery == 0,
//     else to training — a split by file, so no file is in both.
//
// It returns the concatenated training and validation bytes and the
// selected paths (relative to Root, validation files marked with a
// trailing " (val)"). The corpus changes with the Go version: the
// version's own sources are the data. Use Text to make windows of it.
func GoSource(opt GoSourceOptions) (train, val []byte, files []string, err error) {
	if opt.Root == "" {
		root, err := goroot()
		if err != nil {
			return nil, nil, nil, err
		}
		opt.Root = filepath.Join(root, "src")
	}
	if opt.Bytes == 0 {
		opt.Bytes = 1 << 20
	}
	if opt.ValEvery == 0 {
		opt.ValEvery = 10
	}
	if opt.MaxFile == 0 {
		opt.MaxFile = 1 << 16
	}
	if opt.Bytes < 0 || opt.ValEvery < 2 {
		return nil, nil, nil, errors.Errorf("datasets: GoSource: Bytes %d and ValEvery %d, want ≥ 0 and ≥ 2", opt.Bytes, opt.ValEvery)
	}
	type cand struct {
		path string
		size int
	}
	var cands []cand
	err = filepath.WalkDir(opt.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || n == "vendor" {
				return filepath.SkipDir
			}
			return nil
		}
		if n := d.Name(); d.Type().IsRegular() && strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go") {
			info, err := d.Info()
			if err != nil {
				return err
			}
			if info.Size() > int64(opt.MaxFile) {
				return nil
			}
			rel, err := filepath.Rel(opt.Root, p)
			if err != nil {
				return err
			}
			cands = append(cands, cand{filepath.ToSlash(rel), int(info.Size())})
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, errors.Wrapf(err, "datasets: GoSource: reading %s", opt.Root)
	}
	slices.SortFunc(cands, func(a, b cand) int { return strings.Compare(a.path, b.path) })
	total := 0
	for _, c := range cands {
		total += c.size
	}
	stride := max(1, (total+opt.Bytes-1)/max(opt.Bytes, 1))
	var tb, vb bytes.Buffer
	k := 0
	for i := 0; i < len(cands); i += stride {
		if tb.Len()+vb.Len()+cands[i].size > opt.Bytes {
			continue
		}
		data, err := os.ReadFile(filepath.Join(opt.Root, filepath.FromSlash(cands[i].path)))
		if err != nil {
			return nil, nil, nil, errors.Wrap(err, "datasets: GoSource")
		}
		if tb.Len()+vb.Len()+len(data) > opt.Bytes { // changed since the walk
			continue
		}
		k++
		if k%opt.ValEvery == 0 {
			vb.Write(data)
			files = append(files, cands[i].path+" (val)")
		} else {
			tb.Write(data)
			files = append(files, cands[i].path)
		}
	}
	if tb.Len() == 0 || vb.Len() == 0 {
		return nil, nil, nil, errors.Errorf("datasets: GoSource: %d files under %s within %d bytes: no training or no validation text", k, opt.Root, opt.Bytes)
	}
	return tb.Bytes(), vb.Bytes(), files, nil
}

// goroot finds the Go installation: $GOROOT, else the one this program was
// built with if it still exists, else `go env GOROOT`.
func goroot() (string, error) {
	if r := os.Getenv("GOROOT"); r != "" {
		return r, nil
	}
	if r := runtime.GOROOT(); r != "" { //nolint:staticcheck // the fallback below covers moved installations
		if _, err := os.Stat(filepath.Join(r, "src")); err == nil {
			return r, nil
		}
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", errors.Wrap(err, "datasets: GoSource: finding GOROOT (set $GOROOT)")
	}
	return strings.TrimSpace(string(out)), nil
}

// TextFile reads any file as a byte corpus and splits it for Text: the
// first 90% of its bytes for training, the last 10% for validation.
func TextFile(path string) (train, val []byte, err error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, errors.Wrap(err, "datasets: TextFile")
	}
	cut := len(data) * 9 / 10
	return data[:cut], data[cut:], nil
}
