// Package layers provides the pieces a model is built from: each Layer adds
// nodes to a *gorgonia.ExprGraph, so a model is an ordinary Gorgonia graph
// whose gradient gorgonia.Grad derives symbolically.
//
// # Overview
//
// A Layer is a description — Dense(128), ReLU(), a Stack of those — and
// holds no weights. Building it needs a Builder, which knows the graph, a
// Store of parameter tensors, and whether the graph is for training or for
// evaluation:
//
//	store, _ := layers.NewStore(seed, tensor.Float32)
//	b := layers.NewBuilder(g, store, true)
//	logits, err := layers.Stack(layers.Dense(128), layers.ReLU(), layers.Dense(10)).Build(b, x)
//	params := b.Params()
//
// graph.NewModel does this twice, for a training graph and an evaluation
// graph over one Store, so the two graphs' parameter nodes share their
// tensors (see package graph).
//
// # Naming and invariants
//
//   - Parameters are named by layer kind and build order: dense0.W,
//     dense0.b, dense1.W, … The names are the keys of the Store, of solver
//     state and of saved models; a network must be built in the same order
//     into each of its graphs.
//   - A parameter is created (and initialised) the first time a Builder asks
//     for its name, and reused afterwards with a shape check.
//   - Dense weights have shape (in, out), so y = x·W + b on a (batch, in)
//     input; inputs to Dense must be matrices.
//
// # Initialisation and reproducibility
//
// Never Gorgonia's built-in initializers, which seed from the clock (and
// whose float32 Glorot-uniform draws from a normal). Each parameter draws
// from its own PCG stream whose state is the model seed and whose stream
// selector is a hash of the parameter's name, so:
//
//   - the same seed gives the same initial weights, bit for bit;
//   - adding or removing a layer does not change the other layers' values;
//   - float32 and float64 models from the same seed start from the same
//     float64 draws (float32 rounds them).
//
// The initializers and their references:
//
//	GlorotUniform  U(±√(6/(in+out)))   Glorot & Bengio 2010; torch xavier_uniform_   (Dense default)
//	GlorotNormal   N(0, 2/(in+out))    torch xavier_normal_
//	HeUniform      U(±√(6/in))         He et al. 2015; torch kaiming_uniform_(relu)
//	HeNormal       N(0, 2/in)          He et al. 2015; torch kaiming_normal_(relu)
//	TorchDefault   U(±1/√in)           torch nn.Linear / nn.Conv2d weights and biases
//	Zeros, Constant(v)                 (Dense bias default: Zeros)
//
// # Roles
//
// Every parameter has a Role, Weight or Bias. Regularizers penalise weights
// and leave biases alone by default (see graph).
//
// # Errors
//
// Build returns errors, naming the layer (dense0) and the shapes involved,
// for inputs of the wrong rank or size. Gorgonia's graph construction may
// panic internally; graph.NewModel recovers such panics and returns them as
// errors.
package layers
