package solvers

// wrapperSpecs: for each wrapper of issue 13 (a solver that needs an inner
// solver), the spec the tests iterating Names() use.
var wrapperSpecs = map[string]string{
	"cautious": "cautious(adam)",
	"chain":    "chain(clip_norm(max=1),adam)",
	"ema":      "ema(decay=0.5,adam)",
	"groups":   "groups(adam,biases=sgd(lr=0.1))",
}
