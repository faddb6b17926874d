package main

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/convergo/convergo/compare/algoperf"
	"github.com/convergo/convergo/compare/tensorboard"
)

// files lists the regular files under dir, relative, slash-separated.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// eventTags checks the TFRecord framing and checksums of an event file and
// returns the file_version of its first event and the tags of its scalars.
func eventTags(t *testing.T, path string) (version string, tags map[string]int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tab := crc32.MakeTable(crc32.Castagnoli)
	masked := func(p []byte) uint32 { c := crc32.Checksum(p, tab); return ((c >> 15) | (c << 17)) + 0xa282ead8 }
	tags = map[string]int{}
	for off := 0; off < len(b); {
		n := int(binary.LittleEndian.Uint64(b[off:]))
		if binary.LittleEndian.Uint32(b[off+8:]) != masked(b[off:off+8]) || binary.LittleEndian.Uint32(b[off+12+n:]) != masked(b[off+12:off+12+n]) {
			t.Fatalf("%s: bad checksum at offset %d", path, off)
		}
		ev := b[off+12 : off+12+n]
		for len(ev) > 0 {
			num, typ, k := protowire.ConsumeTag(ev)
			m := protowire.ConsumeFieldValue(num, typ, ev[k:])
			if k < 0 || m < 0 {
				t.Fatalf("%s: bad event at offset %d", path, off)
			}
			switch num {
			case 3:
				version, _ = protowire.ConsumeString(ev[k:])
			case 5: // summary{value{tag=1, simple_value=2}}
				sum, _ := protowire.ConsumeBytes(ev[k:])
				_, _, j := protowire.ConsumeTag(sum)
				val, _ := protowire.ConsumeBytes(sum[j:])
				_, _, i := protowire.ConsumeTag(val)
				tag, _ := protowire.ConsumeString(val[i:])
				tags[tag]++
			}
			ev = ev[k+m:]
		}
		off += 16 + n
	}
	return version, tags
}

// TestExports runs a tiny study with -tensorboard and -algoperf, checks the
// files exist and parse, then merges the study's directory with both flags
// again and checks that the exports are the same bytes.
func TestExports(t *testing.T) {
	dir := t.TempDir()
	tb, ap := filepath.Join(dir, "tb"), filepath.Join(dir, "ap")
	var out, errb bytes.Buffer
	args := []string{"-steps", "20", "-seeds", "1,2", "-eval-every", "10", "-no-plots", "-parallel", "2",
		"-strategy", "sgd+cosine: sgd(lr=0.1) | cosine(max=0.1,T=total)", "-strategy", "adam: adam(lr=1e-3)",
		"-out", filepath.Join(dir, "run"), "-tensorboard", tb, "-algoperf", ap}
	if err := run(t.Context(), args, &out, &errb, false); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "tensorboard --logdir "+tb) || !strings.Contains(out.String(), "AlgoPerf") {
		t.Errorf("output does not say where the exports are:\n%s", out.String())
	}

	const prob = "mlp/mnist-sample" // the -model mlp on the embedded sample
	var wantTB, wantAP []string
	for _, s := range []string{"adam", "sgd+cosine"} {
		for _, seed := range []string{"1", "2"} {
			wantTB = append(wantTB, prob+"/"+s+"/seed"+seed+"/"+tensorboard.FileName)
		}
	}
	for _, s := range []string{"adam", "sgd_cosine"} {
		for _, study := range []string{"0", "1"} {
			wantAP = append(wantAP, s+"/study_"+study+"/mlp_mnist-sample/trial_1/"+algoperf.MeasurementsFile,
				s+"/study_"+study+"/mlp_mnist-sample/trial_1/"+algoperf.TrialFile)
		}
	}
	slices.Sort(wantAP)
	if got := files(t, tb); !slices.Equal(got, wantTB) {
		t.Fatalf("TensorBoard files %q, want %q", got, wantTB)
	}
	if got := files(t, ap); !slices.Equal(got, wantAP) {
		t.Fatalf("AlgoPerf files %q, want %q", got, wantAP)
	}
	for _, f := range wantTB {
		v, tags := eventTags(t, filepath.Join(tb, f))
		// Points at steps 0, 10, 20 (no training loss at 0); lr every step.
		if v != tensorboard.FileVersion || tags["validation/loss"] != 3 || tags["validation/accuracy"] != 3 || tags["train/loss"] != 2 || tags["lr"] != 20 {
			t.Errorf("%s: version %q, tags %v", f, v, tags)
		}
	}
	for _, f := range wantAP {
		if !strings.HasSuffix(f, ".csv") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(ap, f))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		if err != nil || len(rows) != 4 || !slices.Equal(rows[0], algoperf.Columns) {
			t.Errorf("%s (%v):\n%s", f, err, b)
		}
	}

	// -merge writes them too, from the saved trials: the same bytes.
	tb2, ap2 := filepath.Join(dir, "tb2"), filepath.Join(dir, "ap2")
	out.Reset()
	if err := run(t.Context(), []string{"-merge", filepath.Join(dir, "run"), "-no-plots", "-out", filepath.Join(dir, "merged"),
		"-tensorboard", tb2, "-algoperf", ap2}, &out, &errb, false); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	for _, c := range []struct {
		a, b string
		fs   []string
	}{{tb, tb2, wantTB}, {ap, ap2, wantAP}} {
		for _, f := range c.fs {
			x, _ := os.ReadFile(filepath.Join(c.a, f))
			y, err := os.ReadFile(filepath.Join(c.b, f))
			if err != nil || !bytes.Equal(x, y) {
				t.Errorf("%s after -merge differs (%v)", f, err)
			}
		}
	}
}
