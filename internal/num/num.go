// Package num holds small numerical kernels shared by convergo's ops.
package num

import "math"

// LogSumExp returns log Σ exp(z), computed as max + log Σ exp(z − max) in
// float64 so that large logits neither overflow nor lose precision. It is
// −Inf for an empty z or one of all −Inf, +Inf if any element is +Inf.
func LogSumExp[T float32 | float64](z []T) float64 {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = math.Max(mx, float64(v))
	}
	if math.IsInf(mx, 0) {
		return mx
	}
	var s float64
	for _, v := range z {
		s += math.Exp(float64(v) - mx)
	}
	return mx + math.Log(s)
}
