package spec

import (
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
