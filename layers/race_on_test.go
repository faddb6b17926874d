//go:build race

package layers

// raceEnabled reports a -race build, whose instrumentation allocates
// where the plain build does not: allocation counts are not checked there.
const raceEnabled = true
