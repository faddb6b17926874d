package solvers

import "math"

// This file: what the schedule-free solvers (sfadamw.go, sfsgd.go) share:
// their averaging weights, the swap between y and x, and torch's lerp
// (also used by adafactor, adopt and muon).

// sfWeights advances the schedule-free averaging of sfadamw and sfsgd by
// one step: it returns lr_k and c = w_k/Σw given the step k (from 0),
// and updates lr_max and the weight sum (see SFAdamW).
func sfWeights(lr float64, k, warmup int, r, power float64, lrMax, weightSum *float64) (lrk, ckp1 float64) {
	sched := 1.0
	if k < warmup {
		sched = float64(k+1) / float64(warmup)
	}
	lrk = lr * sched
	*lrMax = max(lrk, *lrMax)
	weight := math.Pow(float64(k+1), r) * math.Pow(*lrMax, power)
	*weightSum += weight
	if *weightSum != 0 {
		ckp1 = weight / *weightSum
	}
	return lrk, ckp1
}

// lerpTorch is torch.lerp(a, b, w): a + w(b-a) for w < ½, else
// b - (b-a)(1-w), which is exact at w = 1. Products are rounded (no FMA).
func lerpTorch[T float](a, b, w T) T {
	if w < 0.5 {
		return a + T(w*(b-a))
	}
	return b - T((b-a)*(1-w))
}

// sfLerpAll sets θ ← θ + wt(z-θ) for every parameter b has seen, z being
// its first slot.
func sfLerpAll(b *base, wt float64) {
	for _, p := range b.params {
		if p.f32() {
			lerp(p.w32, p.s32[0], float32(wt))
		} else {
			lerp(p.w64, p.s64[0], wt)
		}
	}
}

func lerp[T float](x, z []T, wt T) {
	z = z[:len(x)]
	for i := range x {
		x[i] = lerpTorch(x[i], z[i], wt)
	}
}

// sfState is the State of a schedule-free solver: its base's, with the
// step count k, lr_max and the weight sum; an error in eval mode (the
// parameters, saved alongside, must hold the training iterate y).
func sfState(b *Base, eval bool, k int, lrMax, weightSum float64) (*State, error) {
	if eval {
		return nil, b.errorf("State in eval mode: call SwapToTrain first")
	}
	st, err := b.State()
	if err != nil {
		return nil, err
	}
	st.Scalars = map[string]float64{"k": float64(k), "lr_max": lrMax, "weight_sum": weightSum}
	return st, nil
}

// sfSetState restores a schedule-free solver's base from st and returns
// its scalars.
func sfSetState(b *Base, st *State) (k int, lrMax, weightSum float64, err error) {
	if err := b.SetState(st); err != nil {
		return 0, 0, 0, err
	}
	if err := b.needScalars(st, "k", "lr_max", "weight_sum"); err != nil {
		return 0, 0, 0, err
	}
	return int(st.Scalars["k"]), st.Scalars["lr_max"], st.Scalars["weight_sum"], nil
}
