package layers

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Pool2DLayer is a max or average pooling over the (height, width) axes of
// an NCHW input, as torch nn.MaxPool2d / nn.AvgPool2d with ceil_mode=False:
// the output is (batch, C, H', W') with
//
//	H' = ⌊(H + 2·Padding[0] − Kernel[0]) / Stride[0]⌋ + 1
//
// Max pooling treats padding as −∞ (padding never wins); its gradient goes
// to the first maximum of each window in row-major order. Average pooling
// counts the padding zeros in the divisor (torch's count_include_pad=True,
// its default), so every window divides by Kernel[0]·Kernel[1].
//
// Both are convergo ops with their own gradients (not Gorgonia's MaxPool2D
// or AveragePool2D).
type Pool2DLayer struct {
	Max     bool   // max pooling; false: average
	Kernel  [2]int // (height, width)
	Stride  [2]int // default: Kernel (non-overlapping windows, as torch)
	Padding [2]int // default: 0
}

// MaxPool2D returns a max pooling with a square k×k window and stride k.
func MaxPool2D(k int) *Pool2DLayer {
	return &Pool2DLayer{Max: true, Kernel: [2]int{k, k}, Stride: [2]int{k, k}}
}

// AvgPool2D returns an average pooling with a square k×k window and stride k.
func AvgPool2D(k int) *Pool2DLayer {
	return &Pool2DLayer{Kernel: [2]int{k, k}, Stride: [2]int{k, k}}
}

// WithStride returns a copy of p with stride s in both directions.
func (p *Pool2DLayer) WithStride(s int) *Pool2DLayer {
	c := *p
	c.Stride = [2]int{s, s}
	return &c
}

// WithPadding returns a copy of p with padding q on every side; torch
// requires q ≤ kernel/2, and so does Build.
func (p *Pool2DLayer) WithPadding(q int) *Pool2DLayer {
	c := *p
	c.Padding = [2]int{q, q}
	return &c
}

// Build adds the pooling to the graph.
func (p *Pool2DLayer) Build(b *Builder, x *gorgonia.Node) (*gorgonia.Node, error) {
	kind := "avgpool"
	if p.Max {
		kind = "maxpool"
	}
	name := b.Name(kind)
	st := p.Stride
	if st == ([2]int{}) {
		st = p.Kernel
	}
	if p.Kernel[0] <= 0 || p.Kernel[1] <= 0 || st[0] <= 0 || st[1] <= 0 ||
		p.Padding[0] < 0 || p.Padding[1] < 0 || 2*p.Padding[0] > p.Kernel[0] || 2*p.Padding[1] > p.Kernel[1] {
		return nil, errors.Errorf("layers: %s: kernel %v, stride %v, padding %v: want kernel and stride > 0, 0 ≤ padding ≤ kernel/2", name, p.Kernel, st, p.Padding)
	}
	s := x.Shape()
	if len(s) != 4 {
		return nil, errors.Errorf("layers: %s: input shape %v, want (batch, channels, height, width)", name, s)
	}
	if s[2]+2*p.Padding[0] < p.Kernel[0] || s[3]+2*p.Padding[1] < p.Kernel[1] {
		return nil, errors.Errorf("layers: %s: input shape %v (padding %v) is smaller than the window shape %v", name, s, p.Padding, p.Kernel)
	}
	g := poolGeom{n: s[0], c: s[1], h: s[2], w: s[3], kh: p.Kernel[0], kw: p.Kernel[1], sh: st[0], sw: st[1], ph: p.Padding[0], pw: p.Padding[1], max: p.Max}
	g.oh = (g.h+2*g.ph-g.kh)/g.sh + 1
	g.ow = (g.w+2*g.pw-g.kw)/g.sw + 1
	y, err := gorgonia.ApplyOp(&poolOp{named{g.id(false)}, g, false, new(convBuf), b.Workers}, x)
	if err != nil {
		return nil, errors.Wrapf(err, "layers: %s on input %v", name, s)
	}
	return y, nil
}

// poolGeom is the geometry of a pooling.
type poolGeom struct {
	n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow int
	max                                        bool
}

func (g poolGeom) id(grad bool) string {
	kind := "AvgPool"
	if g.max {
		kind = "MaxPool"
	}
	if grad {
		kind += "Grad"
	}
	return fmt.Sprintf("%s(in=%dx%dx%dx%d,k=%dx%d,s=%dx%d,p=%dx%d)", kind, g.n, g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw)
}

// poolOp is the forward pooling (x → y) or, with grad, its gradient
// (x, g → dx).
type poolOp struct {
	named
	g    poolGeom
	grad bool
	buf  *convBuf // the output, kept across runs
	wk   *Workers
}

func (op *poolOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}
func (op *poolOp) Type() hm.Type {
	if op.grad {
		return tensorFn(4, 4, 4)
	}
	return tensorFn(4, 4)
}
func (op *poolOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	if op.grad {
		return shapeOf(op.id, in, 0)
	}
	return tensor.Shape{op.g.n, op.g.c, op.g.oh, op.g.ow}, nil
}
func (op *poolOp) Do(vals ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, vals...)
}
func (op *poolOp) UsePreallocDo(prealloc gorgonia.Value, vals ...gorgonia.Value) (gorgonia.Value, error) {
	in, err := denseArgs(op.id, vals, op.Arity())
	if err != nil {
		return nil, err
	}
	g := op.g
	x := in[0]
	if !x.Shape().Eq(tensor.Shape{g.n, g.c, g.h, g.w}) {
		return nil, errors.Errorf("layers: %s: input shape %v", op.id, x.Shape())
	}
	oshape := tensor.Shape{g.n, g.c, g.oh, g.ow}
	if op.grad {
		oshape = x.Shape()
	}
	out := op.buf.prealloc(prealloc, x.Dtype(), oshape)
	switch out.Dtype() {
	case tensor.Float32:
		o := out.Float32s()
		if op.grad {
			poolBackward(op.wk, g, x.Float32s(), in[1].Float32s(), o)
		} else {
			poolForward(op.wk, g, x.Float32s(), o)
		}
	case tensor.Float64:
		o := out.Float64s()
		if op.grad {
			poolBackward(op.wk, g, x.Float64s(), in[1].Float64s(), o)
		} else {
			poolForward(op.wk, g, x.Float64s(), o)
		}
	}
	return out, nil
}
func (op *poolOp) DiffWRT(int) []bool { return []bool{!op.grad} }
func (op *poolOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("layers: %s: second derivative not implemented", op.id)
	}
	dx, err := gorgonia.ApplyOp(&poolOp{named{op.g.id(true)}, op.g, true, new(convBuf), op.wk}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	return gorgonia.Nodes{dx}, nil
}

// window returns the valid input row or column range of output index o.
func window(o, stride, pad, k, size int) (lo, hi int) {
	lo = o*stride - pad
	hi = min(lo+k, size)
	return max(lo, 0), hi
}

// poolForward and poolBackward work plane by plane, the planes split among
// goroutines (each plane's arithmetic is the same whatever the split).
func poolForward[T float](wk *Workers, g poolGeom, x, out []T) {
	parallel(wk, g.n*g.c, g.h*g.w, func(lo, hi int) { poolForwardRange(g, x, out, lo, hi) })
}

func poolForwardRange[T float](g poolGeom, x, out []T, lo, hi int) {
	if g.max2x2() {
		maxPool2x2Forward(g, x, out, lo, hi)
		return
	}
	poolForwardGeneral(g, x, out, lo, hi)
}

func poolForwardGeneral[T float](g poolGeom, x, out []T, lo, hi int) {
	area := float64(g.kh * g.kw)
	for nc := lo; nc < hi; nc++ {
		xp := x[nc*g.h*g.w : (nc+1)*g.h*g.w]
		op := out[nc*g.oh*g.ow : (nc+1)*g.oh*g.ow]
		for oy := range g.oh {
			y0, y1 := window(oy, g.sh, g.ph, g.kh, g.h)
			for ox := range g.ow {
				x0, x1 := window(ox, g.sw, g.pw, g.kw, g.w)
				if g.max {
					// The maximum, NaN if any element is (as math.Max).
					best := T(math.Inf(-1))
					for iy := y0; iy < y1; iy++ {
						for _, v := range xp[iy*g.w+x0 : iy*g.w+x1] {
							if v > best || v != v || (v == 0 && best == 0 && !math.Signbit(float64(v))) {
								best = v
							}
						}
						if best != best {
							break
						}
					}
					op[oy*g.ow+ox] = best
					continue
				}
				var s float64
				for iy := y0; iy < y1; iy++ {
					for _, v := range xp[iy*g.w+x0 : iy*g.w+x1] {
						s += float64(v)
					}
				}
				op[oy*g.ow+ox] = T(s / area)
			}
		}
	}
}

func poolBackward[T float](wk *Workers, g poolGeom, x, grad, dx []T) {
	parallel(wk, g.n*g.c, g.h*g.w, func(lo, hi int) { poolBackwardRange(g, x, grad, dx, lo, hi) })
}

func poolBackwardRange[T float](g poolGeom, x, grad, dx []T, lo, hi int) {
	if g.max2x2() {
		maxPool2x2Backward(g, x, grad, dx, lo, hi)
		return
	}
	clear(dx[lo*g.h*g.w : hi*g.h*g.w])
	poolBackwardGeneral(g, x, grad, dx, lo, hi)
}

// poolBackwardGeneral adds every window's gradient into dx (cleared).
func poolBackwardGeneral[T float](g poolGeom, x, grad, dx []T, lo, hi int) {
	area := T(g.kh * g.kw)
	for nc := lo; nc < hi; nc++ {
		xp := x[nc*g.h*g.w : (nc+1)*g.h*g.w]
		dp := dx[nc*g.h*g.w : (nc+1)*g.h*g.w]
		gp := grad[nc*g.oh*g.ow : (nc+1)*g.oh*g.ow]
		for oy := range g.oh {
			y0, y1 := window(oy, g.sh, g.ph, g.kh, g.h)
			for ox := range g.ow {
				x0, x1 := window(ox, g.sw, g.pw, g.kw, g.w)
				gv := gp[oy*g.ow+ox]
				if g.max {
					best, at := T(0), -1
					for iy := y0; iy < y1; iy++ {
						for ix := x0; ix < x1; ix++ {
							if v := xp[iy*g.w+ix]; at < 0 || v > best {
								best, at = v, iy*g.w+ix
							}
						}
					}
					dp[at] += gv
					continue
				}
				for iy := y0; iy < y1; iy++ {
					for ix := x0; ix < x1; ix++ {
						dp[iy*g.w+ix] += gv / area
					}
				}
			}
		}
	}
}

// max2x2 reports whether g is a max pooling with 2×2 windows, stride 2 and
// no padding, the usual one, which has a fast path: every window lies
// inside the plane, and windows do not overlap.
func (g poolGeom) max2x2() bool {
	return g.max && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0
}

// b2i is 1 for true, 0 for false (a flag, not a branch).
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pmax is one step of the general path's maximum: NaN once an element is
// NaN, +0 over −0, the first of equal values otherwise.
func pmax[T float](best, v T) T {
	if best != best {
		return best
	}
	if v > best || v != v || (v == 0 && best == 0 && !math.Signbit(float64(v))) {
		return v
	}
	return best
}

// maxPool2x2Forward is poolForwardRange for max2x2 windows, the same
// values.
func maxPool2x2Forward[T float](g poolGeom, x, out []T, lo, hi int) {
	ninf := T(math.Inf(-1))
	for nc := lo; nc < hi; nc++ {
		xp := x[nc*g.h*g.w : (nc+1)*g.h*g.w]
		op := out[nc*g.oh*g.ow : (nc+1)*g.oh*g.ow]
		for oy := range g.oh {
			r0 := xp[2*oy*g.w:][:2*g.ow]
			r1 := xp[(2*oy+1)*g.w:][:2*g.ow]
			o := op[oy*g.ow:][:g.ow]
			for ox := range o {
				a, b, c, d := r0[2*ox], r0[2*ox+1], r1[2*ox], r1[2*ox+1]
				// Without NaNs the builtin max is the same value (+0
				// over −0 included), branch-free; with a NaN the
				// general rule picks which NaN.
				if m := max(a, b, c, d); m == m {
					o[ox] = m
					continue
				}
				o[ox] = pmax(pmax(pmax(pmax(ninf, a), b), c), d)
			}
		}
	}
}

// maxPool2x2Backward is poolBackwardRange for max2x2 windows: each
// window's gradient goes to its first largest element, in row order, as
// there, and its other elements are zero. It writes every element of dx
// once, window by window, rather than clearing the planes first: a clear
// this large uses non-temporal stores, and adding into it then waits on
// memory.
func maxPool2x2Backward[T float](g poolGeom, x, grad, dx []T, lo, hi int) {
	for nc := lo; nc < hi; nc++ {
		xp := x[nc*g.h*g.w : (nc+1)*g.h*g.w]
		dp := dx[nc*g.h*g.w : (nc+1)*g.h*g.w]
		// Rows and columns outside every window (odd sizes).
		for y := 2 * g.oh; y < g.h; y++ {
			clear(dp[y*g.w:][:g.w])
		}
		if 2*g.ow < g.w {
			for y := range 2 * g.oh {
				clear(dp[y*g.w+2*g.ow:][:g.w-2*g.ow])
			}
		}
		gp := grad[nc*g.oh*g.ow : (nc+1)*g.oh*g.ow]
		for oy := range g.oh {
			i0, i1 := 2*oy*g.w, (2*oy+1)*g.w
			r0, r1 := xp[i0:][:2*g.ow], xp[i1:][:2*g.ow]
			d0, d1 := dp[i0:][:2*g.ow], dp[i1:][:2*g.ow]
			gr := gp[oy*g.ow:][:g.ow]
			for ox, gv := range gr {
				j := 2 * ox
				a, b, c, d := r0[j], r0[j+1], r1[j], r1[j+1]
				if m := max(a, b, c, d); m == m && gv-gv == 0 {
					// The first largest element, as the general path's
					// strict > scan finds it (±0 compare equal there and
					// here), gets 0 + gv, the others +0: all four
					// written as gv·[won] + 0 (gv finite, so that
					// gv·0 is a zero), the flags integer selects. Which
					// element wins is data: a branch on it mispredicts,
					// and a store to an address chosen by it stalls the
					// next window's loads (22 ns a window against 12
					// here, LeNet's first pooling, 64 samples).
					ia := b2i(a == m)
					ib := b2i(b == m) * (1 - ia)
					ic := b2i(c == m) * (1 - ia - ib)
					id := 1 - ia - ib - ic
					d0[j], d0[j+1] = gv*T(ia)+0, gv*T(ib)+0
					d1[j], d1[j+1] = gv*T(ic)+0, gv*T(id)+0
					continue
				}
				d0[j], d0[j+1], d1[j], d1[j+1] = 0, 0, 0, 0
				best, row, col := a, d0, j
				if v := r0[j+1]; v > best {
					best, col = v, j+1
				}
				if v := r1[j]; v > best {
					best, row, col = v, d1, j
				}
				if v := r1[j+1]; v > best {
					row, col = d1, j+1
				}
				row[col] += gv
			}
		}
	}
}
