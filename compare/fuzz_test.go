package compare_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/convergo/convergo/compare"
)

// FuzzParseStrategy feeds arbitrary text to ParseStrategy: it must never
// panic, and a strategy it accepts must print (String) a text that parses
// back to the same strategy — for a tunable one, one with the same search
// spaces.
func FuzzParseStrategy(f *testing.F) {
	for _, s := range []string{
		"sgd(lr=0.1,momentum=0.9) | cosine(max=0.1,T=total)",
		"adamw: adamw(lr=1e-3,weight_decay=0.05) | warmup(steps=200,cosine(max=1e-3,T=total))",
		"sgd+l2: sgd(lr=0.1) | l2(lambda=1e-4) | dropout(p=0.2)",
		"sgd(lr=loguniform(1e-3,1),momentum=choice(0,0.9)) | cosine(max=same,T=total)",
		"lookahead(k=5,sgd(lr=0.1)) | exp(lr=0.1,gamma=0.99)",
		"x: adam | multistep(lr=1e-3,milestones=[10,20])",
		"sgd(lr=uniform(0.1,0.2)) | elastic(l1=1e-5,l2=1e-4)",
		": sgd", "sgd(lr=loguniform(1,0))", "sgd | | ", "a:b:c", strings.Repeat("warmup(steps=1,", 70) + "constant(lr=1)" + strings.Repeat(")", 70),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		// Parsing is about linear in the text (at most 64 KiB per spec,
		// 0.1 s for 54 KB with thousands of spaces): ten seconds, even
		// instrumented on a loaded machine, is a hang.
		timer := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("ParseStrategy(%q) takes more than ten seconds", text)) })
		defer timer.Stop()
		s, err := compare.ParseStrategy(text)
		if err != nil {
			return
		}
		back, err := compare.ParseStrategy(s.String())
		if err != nil {
			t.Fatalf("%q parsed, but its String %q does not: %v", text, s.String(), err)
		}
		if back.String() != s.String() {
			t.Fatalf("%q: String %q reads back as %q", text, s.String(), back.String())
		}
		a, errA := s.Spaces()
		b, errB := back.Spaces()
		if (errA == nil) != (errB == nil) || len(a) != len(b) {
			t.Fatalf("%q: spaces %v (%v) and %v (%v) after the round trip", text, a, errA, b, errB)
		}
	})
}
