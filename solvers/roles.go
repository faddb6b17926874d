package solvers

import (
	"maps"
	"slices"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/convergo/convergo/internal/spec"
)

// This file: parameter roles (what a parameter is: a weight, a bias, a
// normalisation scale or shift), how a solver learns them (RoleSetter),
// and masks over them (Mask), for the gradient transforms of chain, the
// groups of Groups and any solver that routes parameters (Muon's 2-D
// weights).

// Role is what a parameter is, as the model declared it. Its values are
// those of layers.Role (graph.Model.Roles converts them); solvers does not
// import layers.
type Role string

// The roles a model declares. A parameter with no declared role is
// classified by its shape (see Roles.Role).
const (
	RoleWeight Role = "weight" // Dense and Conv2D kernels
	RoleBias   Role = "bias"   // additive biases
	RoleNorm   Role = "norm"   // normalisation scales and shifts (BatchNorm γ, β)
)

// RoleSetter is a solver that treats parameters by role (chain's masked
// transforms, groups, a wrapper around either). SetRoles gives it the role
// of every parameter, by node name; graph.Trainer calls it at the start of
// every Fit with graph.Model.Roles, and a hand-written loop may call it
// before the first Step. Wrappers forward it to their inner solvers. The
// map is copied.
type RoleSetter interface {
	SetRoles(roles map[string]Role)
}

// Roles holds the roles given by SetRoles; embed it to make a solver a
// RoleSetter. Its zero value has no roles (every parameter is classified
// by shape).
type Roles struct {
	roles map[string]Role
}

// SetRoles replaces the roles by a copy of roles (see RoleSetter).
func (r *Roles) SetRoles(roles map[string]Role) { r.roles = maps.Clone(roles) }

// Role returns the role of the parameter named name with the given shape:
// the role SetRoles gave it, else, by shape, RoleWeight for a tensor of
// two or more dimensions and RoleBias for a vector or a scalar (the
// convention of Optax and nanoGPT masks, p.ndim >= 2; a normalisation
// parameter is then a bias). It allocates nothing.
func (r *Roles) Role(name string, shape tensor.Shape) Role {
	if role, ok := r.roles[name]; ok && name != "" {
		return role
	}
	if len(shape) >= 2 {
		return RoleWeight
	}
	return RoleBias
}

// roleOf returns the role of p (see Roles.Role).
func (r *Roles) roleOf(p *Param) Role { return r.Role(p.name, p.shape) }

// forwardRoles passes roles on to s if it is a RoleSetter.
func forwardRoles(s any, roles map[string]Role) {
	if rs, ok := s.(RoleSetter); ok {
		rs.SetRoles(roles)
	}
}

// Mask selects parameters by role or by layer name. In a spec it is the
// value of a mask key: one identifier or a list of them, each either a
// role keyword — weights, biases, norms, all — or a layer name such as
// dense0, which selects the parameters whose node name is that name or
// starts with it and a dot (dense0.W, dense0.b). The spec grammar has no
// strings, so a name is an identifier: letters, digits and underscores.
// A parameter is selected if any element selects it. Examples:
//
//	mask=weights
//	mask=[biases,norms]
//	mask=[dense0,conv1]
//	mask=all
//
// The zero Mask selects nothing; AllParams selects every parameter.
type Mask struct {
	roles  []Role
	layers []string
	all    bool
}

// AllParams is the mask that selects every parameter.
var AllParams = Mask{all: true}

// maskWords are the role keywords of a mask and their roles.
var maskWords = map[string]Role{"weights": RoleWeight, "biases": RoleBias, "norms": RoleNorm}

// ParseMask returns the Mask of the elements given (role keywords or
// layer names, see Mask), or an error naming one that is not an
// identifier.
func ParseMask(elems ...string) (Mask, error) {
	var m Mask
	for _, e := range elems {
		switch role, ok := maskWords[e]; {
		case e == "all":
			m.all = true
		case ok:
			if !slices.Contains(m.roles, role) {
				m.roles = append(m.roles, role)
			}
		case spec.IsIdent(e):
			if !slices.Contains(m.layers, e) {
				m.layers = append(m.layers, e)
			}
		default:
			return Mask{}, errors.Errorf("solvers: mask element %q: want weights, biases, norms, all or a layer name (an identifier)", e)
		}
	}
	if len(elems) == 0 {
		return Mask{}, errors.New("solvers: empty mask: want weights, biases, norms, all or layer names")
	}
	return m, nil
}

// Selects reports whether the mask selects the parameter named name with
// the given role.
func (m Mask) Selects(name string, role Role) bool {
	if m.all || slices.Contains(m.roles, role) {
		return true
	}
	for _, l := range m.layers {
		if strings.HasPrefix(name, l) && (len(name) == len(l) || name[len(l)] == '.') {
			return true
		}
	}
	return false
}

// String returns the mask as a spec value: all, one element, or a list.
func (m Mask) String() string {
	if m.all {
		return "all"
	}
	var parts []string
	for _, w := range []string{"weights", "biases", "norms"} {
		if slices.Contains(m.roles, maskWords[w]) {
			parts = append(parts, w)
		}
	}
	parts = append(parts, m.layers...)
	if len(parts) == 1 {
		return parts[0]
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// Mask reads the mask at key (an identifier or a list of identifiers,
// see Mask), or returns def.
func (a *Args) Mask(key string, def Mask) Mask {
	elems := a.a.Idents(key, nil)
	if elems == nil {
		return def
	}
	m, err := ParseMask(elems...)
	if err != nil {
		a.Errorf(key, "%s", strings.TrimPrefix(err.Error(), "solvers: "))
		return def
	}
	return m
}

// Router splits the parameters of each Step among n solvers by a rule of
// their name, role and shape, allocating nothing in steady state: what
// Groups does, and what a solver that sends some parameters to an inner
// solver (Muon: 2-D weights to Muon, the rest to AdamW) needs. Embed it
// (its Roles make the solver a RoleSetter, and SetRoles re-routes) or
// keep one per solver. Its zero value is not usable: use NewRouter.
type Router struct {
	Roles
	n     int
	route func(name string, role Role, shape tensor.Shape) int
	idx   map[gorgonia.ValueGrad]int
	parts [][]gorgonia.ValueGrad
}

// NewRouter returns a Router into n parts; route returns the part, in
// [0, n), of a parameter (it is called once per parameter, on first
// sight, and again after SetRoles).
func NewRouter(n int, route func(name string, role Role, shape tensor.Shape) int) *Router {
	return &Router{n: n, route: route, idx: map[gorgonia.ValueGrad]int{}, parts: make([][]gorgonia.ValueGrad, n)}
}

// SetRoles sets the roles (see RoleSetter) and forgets every route taken.
func (r *Router) SetRoles(roles map[string]Role) {
	r.Roles.SetRoles(roles)
	clear(r.idx)
}

// Split returns model split into the n parts, each in model's order. The
// slices are reused by the next Split: do not keep them. An entry that is
// nil or whose value is not a tensor or a float scalar is an error (the
// solvers would report it too, but Split must know its shape).
func (r *Router) Split(model []gorgonia.ValueGrad) ([][]gorgonia.ValueGrad, error) {
	for i := range r.parts {
		r.parts[i] = r.parts[i][:0]
	}
	for i, vg := range model {
		if vg == nil {
			return nil, errors.Errorf("solvers: parameter %d is nil", i)
		}
		k, ok := -1, false
		if _, node := vg.(*gorgonia.Node); node || isComparable(vg) {
			k, ok = r.idx[vg]
		}
		if !ok {
			w, err := data(vg.Value())
			if err != nil {
				return nil, errors.Errorf("solvers: %s: value is %v", label(i, vg), err)
			}
			name := nodeName(vg)
			k = r.route(name, r.Role(name, w.sh), w.sh)
			if k < 0 || k >= r.n {
				return nil, errors.Errorf("solvers: %s: routed to part %d of %d", label(i, vg), k, r.n)
			}
			if _, node := vg.(*gorgonia.Node); node || isComparable(vg) {
				r.idx[vg] = k
			}
		}
		r.parts[k] = append(r.parts[k], vg)
	}
	return r.parts, nil
}

// SetRoles forwards the roles to the inner solver (see RoleSetter).
func (l *Lookahead) SetRoles(roles map[string]Role) { forwardRoles(l.inner, roles) }
