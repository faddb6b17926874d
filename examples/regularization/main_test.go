package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// TestOutput runs a miniature experiment and checks the table and the
// closing reg: lines.
func TestOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("trains five models")
	}
	var out, errOut bytes.Buffer
	if err := run(t.Context(), []string{"-tune", "0", "-limit", "200", "-val", "50", "-epochs", "2", "-hidden", "32", "-input-dropout", "0.2", "-curve"}, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	line := regexp.MustCompile(`(?m)^reg: method=(none|l1|l2|dropout|adamw) train_acc=[0-9.]+ test_acc=[0-9.]+ gap=-?[0-9.]+$`)
	if got := len(line.FindAllString(out.String(), -1)); got != 5 {
		t.Errorf("%d reg: lines, want 5:\n%s", got, out.String())
	}
	if got := strings.Count(out.String(), "curve "); got != 5 {
		t.Errorf("%d curve lines, want 5:\n%s", got, out.String())
	}
	if !strings.Contains(out.String(), "method   setting") {
		t.Errorf("no table header:\n%s", out.String())
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"-dropout", "1"}, {"-input-dropout", "-0.1"}, {"-val", "500", "-limit", "100", "-epochs", "1", "-hidden", "4"}, {"-only", "nosuch", "-limit", "100", "-epochs", "1", "-hidden", "4"}, {"x"}} {
		var out, errOut bytes.Buffer
		if err := run(t.Context(), args, &out, &errOut); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
