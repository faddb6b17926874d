// Package spec parses the small specification language that convergo uses
// to name solvers, learning-rate schedules and strategies on a command line
// or in a test table.
//
// # Grammar
//
//	spec   = name [ "(" [ arg { "," arg } ] ")" ]
//	arg    = key "=" value | spec            (a positional argument is an inner spec)
//	value  = number | "true" | "false" | ident | list
//	list   = "[" [ value { "," value } ] "]"
//
// Names, keys and identifiers are letters, digits and underscores, starting
// with a letter. Numbers are anything strconv.ParseFloat accepts (1e-3,
// 0.5, 10, -2). Whitespace between tokens is ignored. Examples:
//
//	sgd(lr=0.1,momentum=0.9,nesterov=true)
//	lookahead(k=6,alpha=0.5,radam(lr=1e-3))
//	multistep(lr=0.1,milestones=[30,60],gamma=0.1)
//	warmup(steps=500,cosine(max=0.1,T=20000))
//
// # Consuming a spec
//
// A package that owns a family of specs (solvers, lrsched) parses a string
// with Parse and then reads its keys through Args, which remembers which
// keys were read. Args.Done reports, in order of precedence, the first type
// or range error, then any key that was never read (an unknown key), then
// any positional argument that was not consumed. Nothing is silently
// ignored.
//
// The package is internal: its grammar is part of convergo's public
// contract (see DESIGN.md), its Go API is not.
package spec
