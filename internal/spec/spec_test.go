package spec

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sgd", "sgd"},
		{"sgd()", "sgd"},
		{" sgd ( lr = 0.1 , momentum=0.9,nesterov=true ) ", "sgd(lr=0.1,momentum=0.9,nesterov=true)"},
		{"lookahead(k=6,alpha=0.5,radam(lr=1e-3))", "lookahead(k=6,alpha=0.5,radam(lr=0.001))"},
		{"multistep(lr=0.1,milestones=[30, 60],gamma=0.1)", "multistep(lr=0.1,milestones=[30,60],gamma=0.1)"},
		{"sequential(linear(lr=0.1,start_factor=0.1,total=10),cosine(max=0.1,T=90),milestones=[10])",
			"sequential(milestones=[10],linear(lr=0.1,start_factor=0.1,total=10),cosine(max=0.1,T=90))"},
		{"onecycle(max=1,total=100,anneal=linear)", "onecycle(max=1,total=100,anneal=linear)"},
		{"x(m=[])", "x(m=[])"},
		{"x(a=-2.5e-3)", "x(a=-0.0025)"},
		{"x(inner=y(a=1))", "x(inner=y(a=1))"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := Parse(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			again, err := Parse(c.String())
			if err != nil || again.String() != tt.want {
				t.Errorf("reparse of %q: %v, %v", c.String(), again, err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "empty"},
		{"sgd(", "expected a name"},
		{"sgd(lr=0.1", "missing ')'"},
		{"sgd(lr=)", "expected a value"},
		{"sgd(lr=0.1.2)", "not a finite number"},
		{"sgd(lr=1e999)", "not a finite number"},
		{"sgd(lr=1,lr=2)", "given twice"},
		{"sgd(lr=1) x", "after the spec"},
		{"sgd(lr=[1,2)", "expected ',' or ']'"},
		{"1sgd", "expected a name"},
		{"sgd(lr=0.1;momentum=0)", "expected ',' or ')'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := Parse(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse(%q) error = %v, want it to contain %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestArgs(t *testing.T) {
	c, err := Parse("adam(lr=0.5,amsgrad=true,milestones=[1,2],mode=exp_range,inner=sgd(lr=1),cosine(max=1))")
	if err != nil {
		t.Fatal(err)
	}
	a := c.Args("solvers: adam")
	if got := a.Float("lr", 1); got != 0.5 {
		t.Errorf("lr = %v", got)
	}
	if got := a.Float("beta1", 0.9); got != 0.9 {
		t.Errorf("default beta1 = %v", got)
	}
	if !a.Bool("amsgrad", false) {
		t.Error("amsgrad not read")
	}
	if got := a.Ints("milestones", nil); len(got) != 2 || got[1] != 2 {
		t.Errorf("milestones = %v", got)
	}
	if got := a.Enum("mode", "triangular", "triangular", "exp_range"); got != "exp_range" {
		t.Errorf("mode = %v", got)
	}
	if got := a.Spec("inner"); got == nil || got.Name != "sgd" {
		t.Errorf("inner = %v", got)
	}
	if got := a.Positional(); len(got) != 1 || got[0].Name != "cosine" {
		t.Errorf("positional = %v", got)
	}
	if err := a.Done(); err != nil {
		t.Errorf("Done: %v", err)
	}
}

func TestArgsErrors(t *testing.T) {
	tests := []struct {
		spec string
		read func(a *Args)
		want string
	}{
		{"adam(lr=0.1,foo=2)", func(a *Args) { a.Float("lr", 0) }, "solvers: adam: unknown key foo (known: lr)"},
		{"adam(lr=true)", func(a *Args) { a.Float("lr", 0) }, "lr=true: want a number, got a boolean"},
		{"adam(k=1.5)", func(a *Args) { a.Int("k", 0) }, "k=1.5: want an integer"},
		{"adam(m=[1,x])", func(a *Args) { a.Floats("m", nil) }, "element x is an identifier"},
		{"adam(m=[1.5])", func(a *Args) { a.Ints("m", nil) }, "element 1.5 is not"},
		{"adam(mode=foo)", func(a *Args) { a.Enum("mode", "a", "a", "b") }, "mode=foo: want one of a|b"},
		{"adam(sgd)", func(a *Args) {}, "unexpected positional argument sgd"},
		{"adam(lr=-1)", func(a *Args) {
			if a.Float("lr", 0) < 0 {
				a.Errorf("lr", "must be >= 0")
			}
		}, "solvers: adam: lr=-1: must be >= 0"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			c, err := Parse(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			a := c.Args("solvers: adam")
			tt.read(a)
			err = a.Done()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Done() = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// The limits: a spec longer than MaxLen or nested deeper than MaxDepth is an
// error naming the limit and the offset, never a stack overflow (issue 16:
// 3 MB of nested lists was a fatal error).
func TestLimits(t *testing.T) {
	nest := func(n int, open, close string) string {
		return strings.Repeat(open, n) + strings.Repeat(close, n)
	}
	// Deepest allowed: the call is level 1, so 63 lists inside it.
	ok := []string{
		"x(a=" + nest(MaxDepth-1, "[", "]") + ")",
		strings.Repeat("a(", MaxDepth) + strings.Repeat(")", MaxDepth),
		"x(a=[" + strings.Repeat("1,", (MaxLen-10)/2) + "1])",
	}
	for _, s := range ok {
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%d bytes): %v", len(s), err)
		}
	}
	tests := []struct{ in, want string }{
		{"x(a=" + nest(MaxDepth, "[", "]") + ")", "at offset 67: nested deeper than the limit of 64 levels"},
		{strings.Repeat("a(", MaxDepth+1) + strings.Repeat(")", MaxDepth+1), "at offset 129: nested deeper than the limit of 64 levels"},
		{"x(a=" + nest(3<<20, "[", "]") + ")", "spec: 6291461 bytes: longer than the limit of 65536 bytes (at offset 65536)"},
		{"x(a=" + nest(MaxLen/2-4, "[", "]") + ")", "at offset 67: nested deeper than the limit of 64 levels"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%d bytes) = %v, want an error containing %q", len(tt.in), err, tt.want)
		}
		if err != nil && len(err.Error()) > 300 {
			t.Errorf("error of %d bytes: %.100s...", len(err.Error()), err)
		}
	}
}

// Parsing memory is linear in the spec's length (issue 16: a 1 MB spec
// took ~1 GB, the stack of its recursion): for each shape, the bytes
// allocated per input byte stay the same when the spec doubles, and below
// bytesPerByte for the largest spec allowed.
func TestParseMemory(t *testing.T) {
	// Measured 25-200: a Value is 88 bytes and the flat list's "1," is two
	// input bytes, with slice growth doubling that.
	const bytesPerByte = 300
	shapes := map[string]func(n int) string{
		"flat list": func(n int) string { return "x(a=[" + strings.Repeat("1,", n/2-8) + "1])" },
		"nested lists": func(n int) string {
			return "x(a=[" + strings.Repeat(strings.Repeat("[", 60)+strings.Repeat("]", 60)+",", n/121-1) + "1])"
		},
		"many keys": func(n int) string { return "x(" + manyKeys(n-10) + ")" },
		"nested calls": func(n int) string {
			return "x(" + strings.Repeat(strings.Repeat("a(", 60)+strings.Repeat(")", 60)+",", n/181-1) + "b)"
		},
	}
	for name, shape := range shapes {
		var perByte [2]float64
		for i, n := range []int{MaxLen / 2, MaxLen} {
			s := shape(n)
			allocs := allocated(func() {
				if _, err := Parse(s); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
			})
			perByte[i] = float64(allocs) / float64(len(s))
			t.Logf("%s: %d bytes allocate %d (%.1f per byte)", name, len(s), allocs, perByte[i])
		}
		if perByte[1] > bytesPerByte || perByte[1] > 1.3*perByte[0] {
			t.Errorf("%s: %.1f then %.1f bytes allocated per byte", name, perByte[0], perByte[1])
		}
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// manyKeys returns "k0=1,k1=1,..." of about n bytes.
func manyKeys(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n-16; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "k%d=1", i)
	}
	return b.String()
}

func TestIsIdent(t *testing.T) {
	for s, want := range map[string]bool{"a": true, "_x1": true, "wsd": true, "": false, "1a": false, "a-b": false, "a b": false, "é": false} {
		if got := IsIdent(s); got != want {
			t.Errorf("IsIdent(%q) = %v", s, got)
		}
	}
}

func TestIntRange(t *testing.T) {
	tests := []struct {
		spec string
		read func(a *Args)
		want string
	}{
		{"x(m=[1e300])", func(a *Args) { a.Ints("m", nil) }, "x: m=[1e300]: want a list of integers of magnitude at most 2^53, element 1e300 is not"},
		{"x(m=[1,-9.1e15])", func(a *Args) { a.Ints("m", nil) }, "element -9.1e15 is not"},
		{"x(m=[0.5])", func(a *Args) { a.Ints("m", nil) }, "x: m=[0.5]: want a list of integers, element 0.5 is not"},
		{"x(k=1e300)", func(a *Args) { a.Int("k", 0) }, "x: k=1e300: want an integer of magnitude at most 2^53"},
	}
	for _, tt := range tests {
		c, err := Parse(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		a := c.Args("x")
		tt.read(a)
		if err := a.Done(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.spec, err, tt.want)
		}
	}
	c, _ := Parse("x(m=[9007199254740992,-9007199254740992],k=-9007199254740992)")
	a := c.Args("x")
	if m, k := a.Ints("m", nil), a.Int("k", 0); a.Done() != nil || m[0] != 1<<53 || m[1] != -1<<53 || k != -1<<53 {
		t.Errorf("2^53: %v %v %v", m, k, a.Done())
	}
}

// FuzzParse: Parse never panics, its errors stay one short line, and a spec
// it accepts prints (String) to a canonical form that parses back to
// itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"sgd", "sgd()", "sgd(lr=0.1,momentum=0.9,nesterov=true)",
		"lookahead(k=6,alpha=0.5,radam(lr=1e-3))",
		"multistep(lr=0.1,milestones=[30, 60],gamma=0.1)",
		"sequential(linear(lr=0.1,start_factor=0.1,total=10),cosine(max=0.1,T=90),milestones=[10])",
		"x(m=[])", "x(a=-2.5e-3)", "x(inner=y(a=1))", "x(a=[[1],[2,[3]]])", "x(a=total,b=[a,true])",
		"sgd(lr=0.1", "sgd(lr=1e999)", "x(a=0x1p-3)", "x(a=1_0)", "x(a=.5e+3)", "x(a=Inf)",
		strings.Repeat("[", 70), strings.Repeat("a(", 70),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if len(err.Error()) > 500 {
				t.Errorf("error of %d bytes: %.200s", len(err.Error()), err)
			}
			return
		}
		str := c.String()
		again, err := Parse(str)
		if err != nil {
			t.Fatalf("Parse(%q) ok, its String %q: %v", s, str, err)
		}
		if got := again.String(); got != str {
			t.Errorf("Parse(%q).String() = %q, reparsed %q", s, str, got)
		}
	})
}
