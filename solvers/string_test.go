package solvers

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/convergo/convergo/internal/spec"
)

// stringSpecs: per built-in solver, its default spec and a spec that sets
// every key to a non-default value (clipping included, except for
// lookahead, whose clipping belongs to its inner solver).
var stringSpecs = map[string][2]string{
	"sgd":       {"sgd", "sgd(lr=0.1,momentum=0.9,dampening=0,nesterov=true,weight_decay=1e-4,clip_norm=1,clip_value=2)"},
	"momentum":  {"momentum", "momentum(lr=0.5,beta=0.5,clip_value=0.25)"},
	"adagrad":   {"adagrad", "adagrad(lr=0.1,lr_decay=0.01,weight_decay=0.05,initial_accumulator_value=0.5,eps=1e-6,clip_norm=3)"},
	"rmsprop":   {"rmsprop", "rmsprop(lr=0.001,alpha=0.9,eps=1e-6,weight_decay=0.01,momentum=0.5,centered=true,clip_norm=1)"},
	"adadelta":  {"adadelta", "adadelta(lr=0.5,rho=0.8,eps=1e-4,weight_decay=0.1,clip_value=1)"},
	"adam":      {"adam", "adam(lr=3e-4,beta1=0.8,beta2=0.99,eps=1e-6,weight_decay=0.1,amsgrad=true,clip_norm=1)"},
	"adamw":     {"adamw", "adamw(lr=3e-4,beta1=0.5,beta2=0.99,eps=1e-6,weight_decay=0.05,amsgrad=true,clip_norm=1)"},
	"adamax":    {"adamax", "adamax(lr=0.005,beta1=0.8,beta2=0.95,eps=1e-4,weight_decay=0.1,clip_norm=0.5)"},
	"nadam":     {"nadam", "nadam(lr=0.01,beta1=0.8,beta2=0.99,eps=1e-6,weight_decay=0.1,momentum_decay=0.01,clip_value=3)"},
	"radam":     {"radam", "radam(lr=0.01,beta1=0.8,beta2=0.9,eps=1e-6,weight_decay=0.1,clip_norm=2)"},
	"lion":      {"lion", "lion(lr=3e-5,beta1=0.95,beta2=0.98,weight_decay=0.1,clip_norm=1)"},
	"adabelief": {"adabelief", "adabelief(lr=0.01,beta1=0.8,beta2=0.99,eps=1e-12,weight_decay=0.1,clip_norm=1)"},
	"lamb":      {"lamb", "lamb(lr=0.01,beta1=0.8,beta2=0.99,eps=1e-8,weight_decay=0.01,clip_norm=1)"},
	"sfadamw":   {"sfadamw", "sfadamw(lr=0.01,beta1=0.8,beta2=0.99,eps=1e-6,weight_decay=0.1,warmup=100,r=1,weight_lr_power=1,inner_momentum=0.9,clip_norm=1)"},
	"lookahead": {"lookahead(adam)", "lookahead(k=6,alpha=0.25,radam(lr=0.01,clip_norm=1))"},
	"muon":      {"muon", "muon(lr=0.02,weight_decay=0.01,momentum=0.9,nesterov=false,ns_steps=3,eps=1e-6,adjust_lr_fn=match_rms_adamw,clip_norm=1,adamw(lr=3e-4))"},
	"adafactor": {"adafactor", "adafactor(lr=0.001,beta2_decay=-0.5,eps1=1e-30,eps2=0.01,d=2,weight_decay=0.1,clip_norm=1)"},
	"ademamix":  {"ademamix", "ademamix(lr=0.01,beta1=0.8,beta2=0.99,beta3=0.999,alpha=5,beta3_warmup=100,alpha_warmup=200,eps=1e-6,weight_decay=0.1,clip_value=1)"},
	"adopt":     {"adopt", "adopt(lr=0.01,beta1=0.8,beta2=0.99,eps=1e-8,weight_decay=0.1,decouple=true,clip_exp=0.5,clip_norm=1)"},
	"sfsgd":     {"sfsgd", "sfsgd(lr=0.5,momentum=0.8,weight_decay=0.01,warmup=10,r=1,weight_lr_power=1,clip_norm=1)"},
	"prodigy":   {"prodigy", "prodigy(lr=0.5,beta1=0.8,beta2=0.99,beta3=0.9,d0=1e-5,d_coef=0.5,growth_rate=1.02,weight_decay=0.1,decouple=false,safeguard_warmup=true,bias_correction=true,eps=1e-6,clip_norm=1)"},
	"cautious":  {"cautious(adam)", "cautious(adamw(lr=0.01,weight_decay=0.1,clip_norm=1))"},
	"chain": {"chain(adam)", "chain(clip_norm(max=1,mask=weights),clip_value(max=0.5,mask=[biases,norms]),coupled_decay(weight_decay=0.01,mask=dense0)," +
		"decay(weight_decay=0.05,mask=[weights,conv1]),sgd(lr=0.1,momentum=0.9))"},
	"ema":    {"ema(adam)", "ema(decay=0.9,warmup=true,lookahead(k=2,sgd(lr=0.1)))"},
	"groups": {"groups(adam)", "groups(biases=adamw(lr=0.01,weight_decay=0),dense0=sgd(lr=0.1),adamw(lr=0.001,weight_decay=0.05))"},
}

// TestStringRoundTrip: for every solver of Names(), String lists every
// key the parser reads (so a key cannot be forgotten), shows the values
// given, and Parse(String()) builds a solver with the same String.
func TestStringRoundTrip(t *testing.T) {
	for _, name := range builtinNames(t) {
		specs, ok := stringSpecs[name]
		if !ok {
			t.Errorf("stringSpecs has no entry for %s: add its default and a non-default spec", name)
			continue
		}
		for i, in := range specs {
			t.Run(name+"/"+[]string{"default", "set"}[i], func(t *testing.T) {
				s, err := Parse(in)
				if err != nil {
					t.Fatal(err)
				}
				str := fmt.Sprint(s)
				again, err := Parse(str)
				if err != nil {
					t.Fatalf("Parse(%q): %v", str, err)
				}
				if got := fmt.Sprint(again); got != str {
					t.Errorf("Parse(%q).String() = %q", str, got)
				}
				out, err := spec.Parse(str)
				if err != nil {
					t.Fatal(err)
				}
				// Every key the parser reads is in String(): the keys an
				// unknown key's error lists as known, clipping aside (shown
				// only when on) and lookahead's lr (its inner solver's).
				if name == "groups" {
					return // its keys are group names: zzz=1 is a type error, with no list of known keys
				}
				_, err = Parse(name + "(zzz=1" + tail(in, name))
				_, known, ok := strings.Cut(fmt.Sprint(err), "(known: ")
				if !ok {
					t.Fatalf("no list of known keys in %v", err)
				}
				for _, k := range strings.Split(strings.TrimSuffix(known, ")"), ", ") {
					if k == "clip_norm" || k == "clip_value" || (name == "lookahead" || wrapperSpecs[name] != "") && k == "lr" {
						continue
					}
					if !slices.Contains(out.Keys, k) {
						t.Errorf("String() = %q lacks key %s", str, k)
					}
				}
				// The values given are the values shown.
				given, err := spec.Parse(in)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range given.Keys {
					if got, want := out.Values[k].String(), given.Values[k].String(); got != want {
						t.Errorf("String() = %q: %s=%s, given %s", str, k, got, want)
					}
				}
				for j, p := range given.Positional {
					if name == "chain" && j < len(given.Positional)-1 {
						if got, want := out.Positional[j].String(), p.String(); got != want {
							t.Errorf("String() = %q: transform %s, want %s", str, got, want)
						}
						continue // a transform, not a solver
					}
					inner, _ := Parse(p.String())
					if got, want := out.Positional[j].String(), fmt.Sprint(inner); got != want {
						t.Errorf("String() = %q: inner %s, want %s", str, got, want)
					}
				}
			})
		}
	}
}

// tail returns the rest of spec in after its name, as ",..." to follow an
// added first key: "adam(lr=1)" → ",lr=1)", "adam" → ")".
func tail(in, name string) string {
	rest := strings.TrimPrefix(in, name)
	if rest == "" {
		return ")"
	}
	return "," + strings.TrimPrefix(rest, "(")
}

func TestStringExamples(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"adam", "adam(lr=0.001,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0,amsgrad=false)"},
		{"adamw(lr=3e-4,weight_decay=0.05,clip_norm=1)", "adamw(lr=0.0003,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0.05,amsgrad=false,clip_norm=1)"},
		{"sgd(clip_value=0.5)", "sgd(lr=0.01,momentum=0,dampening=0,nesterov=false,weight_decay=0,clip_value=0.5)"},
		{"lookahead(k=6,alpha=0.5,radam(lr=1e-3))", "lookahead(k=6,alpha=0.5,radam(lr=0.001,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0))"},
	} {
		s, err := Parse(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(s); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}
