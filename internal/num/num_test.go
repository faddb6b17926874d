package num

import (
	"math"
	"testing"
)

func TestLogSumExp(t *testing.T) {
	tests := []struct {
		name string
		z    []float64
		want float64
	}{
		{"one", []float64{2}, 2},
		// log(e¹+e²+e³) by hand: 3 + log(1 + e⁻¹ + e⁻²).
		{"three", []float64{1, 2, 3}, 3 + math.Log(1+math.Exp(-1)+math.Exp(-2))},
		// The naive form overflows at 1000; the shifted form does not.
		{"huge", []float64{1001, 1002, 1003}, 1003 + math.Log(1+math.Exp(-1)+math.Exp(-2))},
		{"empty", nil, math.Inf(-1)},
		{"all -inf", []float64{math.Inf(-1), math.Inf(-1)}, math.Inf(-1)},
		{"+inf", []float64{0, math.Inf(1)}, math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := LogSumExp(tt.z)
			if got != tt.want && math.Abs(got-tt.want) > 1e-12*math.Abs(tt.want) {
				t.Errorf("LogSumExp(%v) = %v, want %v", tt.z, got, tt.want)
			}
			f := make([]float32, len(tt.z))
			for i, v := range tt.z {
				f[i] = float32(v)
			}
			if got32 := LogSumExp(f); got32 != tt.want && math.Abs(got32-tt.want) > 1e-6*math.Abs(tt.want) {
				t.Errorf("float32: LogSumExp = %v, want %v", got32, tt.want)
			}
		})
	}
}
