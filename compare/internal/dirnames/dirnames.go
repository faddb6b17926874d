// Package dirnames gives the names of a study (problems, strategies)
// distinct file-system names, for the exports that lay trials out in
// directories (compare/tensorboard, compare/algoperf).
package dirnames

import "fmt"

// Namer maps names to distinct safe names: a name's safe form, with -2,
// -3, … appended when an earlier name already has it. The same name gets
// the same result every time.
type Namer struct {
	of    map[string]string // name → safe name
	taken map[string]bool
}

// New returns an empty Namer.
func New() *Namer { return &Namer{of: map[string]string{}, taken: map[string]bool{}} }

// Name returns the distinct safe name of s, safe making the candidate.
func (n *Namer) Name(s string, safe func(string) string) string {
	if p, ok := n.of[s]; ok {
		return p
	}
	base := safe(s)
	p := base
	for k := 2; n.taken[p]; k++ {
		p = fmt.Sprintf("%s-%d", base, k)
	}
	n.of[s], n.taken[p] = p, true
	return p
}
