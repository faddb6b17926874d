package graph

import (
	"math"
	"reflect"
	"testing"
	"time"
	_ "unsafe" // go:linkname

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Gorgonia's package-level constant nodes (const.go of v0.9.18), read here
// to check that warmGorgonia reaches all of them.
var (
	//go:linkname gorgoniaConstmap gorgonia.org/gorgonia.constmap
	gorgoniaConstmap map[string]map[tensor.Dtype]*gorgonia.Node
	//go:linkname gorgoniaOneMoref32 gorgonia.org/gorgonia.oneMoref32
	gorgoniaOneMoref32 *gorgonia.Node
	//go:linkname gorgoniaOneMoref64 gorgonia.org/gorgonia.oneMoref64
	gorgoniaOneMoref64 *gorgonia.Node
)

// TestGorgoniaConstantsWarm checks that each of Gorgonia's shared constant
// nodes has its hash cached before any test builds a graph (package
// initialisation ran warmGorgonia), so that concurrent graph building only
// reads them — or, for 1+1e-16, that it is still shadowed by 1's name. It
// runs in a fresh process, since graphs earlier tests build warm some of
// the nodes too. Before the fix it failed for all ten.
func TestGorgoniaConstantsWarm(t *testing.T) {
	inFreshProcess(t, func(t *testing.T) {
		nodes := map[string]*gorgonia.Node{}
		for name, m := range gorgoniaConstmap {
			for dt, n := range m {
				nodes[name+"/"+dt.String()] = n
			}
		}
		if len(nodes) != 10 {
			t.Fatalf("found %d shared constant nodes, want 10 (0, 1, 2, 3, ln 2 in two dtypes): has Gorgonia changed?", len(nodes))
		}
		// Node.hashed is the flag Hashcode sets (reflect reads an
		// unexported field, it cannot set one).
		hashed := func(n *gorgonia.Node) bool { return reflect.ValueOf(n).Elem().FieldByName("hashed").Bool() }
		for name, n := range nodes {
			if !hashed(n) {
				t.Errorf("Gorgonia's shared constant %s (%v) has no cached hash: warmGorgonia does not reach it", name, n)
			}
		}
		for _, n := range []*gorgonia.Node{gorgoniaOneMoref32, gorgoniaOneMoref64} {
			one := gorgoniaConstmap["one"][n.Dtype()]
			if !hashed(n) && n.Name() != one.Name() {
				t.Errorf("Gorgonia's shared constant 1+1e-16 (%v) is named %q, not %q like 1: AddNode would hash it", n, n.Name(), one.Name())
			}
		}
	})
}

// TestWarmGorgoniaCost bounds what warmGorgonia adds, once, to the
// start-up of every program that imports graph: 0.25 to 0.4 ms on the
// project's shared 2-core machine (a few times more under -race). The bound
// is on the fastest of 20 calls, so that other processes' load does not
// make the test flaky, and is 50 times that.
func TestWarmGorgoniaCost(t *testing.T) {
	best := time.Duration(math.MaxInt64)
	for range 20 {
		start := time.Now()
		warmGorgonia()
		best = min(best, time.Since(start))
	}
	t.Logf("warmGorgonia: %v (fastest of 20 calls)", best)
	if best > 20*time.Millisecond {
		t.Errorf("warmGorgonia takes %v, want well under a millisecond", best)
	}
}
