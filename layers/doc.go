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
// Every parameter has a Role: Weight, Bias or Norm (normalisation scales
// and shifts). Regularizers penalise weights and leave biases and norms
// alone by default (see graph); solvers can mask or group parameters by
// role (graph.Model.Roles, solvers.RoleSetter).
//
// # Errors
//
// Build returns errors, naming the layer (dense0) and the shapes involved,
// for inputs of the wrong rank or size. Gorgonia's graph construction may
// panic internally; graph.NewModel recovers such panics and returns them as
// errors.
//
// # Convolution, pooling, normalisation, dropout
//
// Image layers take and return NCHW tensors (batch, channels, height,
// width), as torch; Flatten turns them into the (batch, features) matrix
// Dense takes. Output sizes follow torch with ceil_mode=False:
// ⌊(H + 2·pad − k)/stride⌋ + 1.
//
//	Conv2D(f, k)       W (f, C, kh, kw), b (f); fused im2col + one GEMM      torch nn.Conv2d
//	MaxPool2D(k)       stride k; padding counts as −∞                       torch nn.MaxPool2d
//	AvgPool2D(k)       stride k; padding zeros counted (count_include_pad)  torch nn.AvgPool2d
//	Flatten()          (N, d1, d2, …) → (N, d1·d2·…), row-major             torch nn.Flatten
//	Dropout(p)         inverted: kept units × 1/(1−p); identity in eval     torch nn.Dropout
//	BatchNorm()        (N, C) or (N, C, H, W), per channel C                torch nn.BatchNorm1d/2d
//	LeakyReLU(α)       max(x,0) + α·min(x,0)                                torch nn.LeakyReLU
//	GELU()             x·Φ(x), exact (erf) form                              torch nn.GELU()
//	Softmax()          over the last axis of (N, classes)                   torch nn.Softmax(dim=1)
//	LogSoftmax()       x − logΣexp(x), over the last axis                   torch nn.LogSoftmax(dim=1)
//
// Conv2D, Dense, pooling, the channel bias, batch normalisation, the
// activations and (log-)softmax are convergo ops with hand-written
// gradients whose buffers are kept across steps (no allocation per batch).
// Their matrix products are convergo's own float32 kernel in the default
// build (internal/gemm) and gonum's in float64 and under -tags purego, or
// the BLAS Gorgonia uses (gorgonia.WhichBLAS: OpenBLAS under -tags
// openblas), on the model's Workers; Conv2D works a cache-sized group of
// samples at a time, the groups in parallel. Results do not depend on the
// number of threads. All of them are checked against central finite differences (float64,
// relative error ≤ 1e-6) and their forward values against PyTorch goldens
// (testdata/gen_goldens.py writes testdata/goldens.json).
//
// Dropout. A mask is an input of the training graph, refilled before every
// training forward pass by a batch hook (Builder.OnBatch) as a pure
// function of the store seed, the layer's name and the optimizer step —
// runs are reproducible and adding a layer changes no other layer's masks.
// Mask values are 0 and 1/(1−p) (inverted dropout), so the evaluation graph
// needs no rescaling and is the identity. The rate is read every batch:
// keep the *DropoutLayer and call SetRate to schedule it. Gorgonia's own
// Dropout is not used (its backward divides by p, its RNG is unseeded).
//
// Batch normalisation. γ = 1 and β = 0 at initialisation (Role Norm, so not
// penalised by default). The training graph normalises with the batch
// mean and biased variance; each training forward pass also updates the
// running statistics with torch's momentum convention,
// running ← (1 − momentum)·running + momentum·batch (default momentum 0.1,
// ε = 1e-5), the running variance using the unbiased batch variance. The
// evaluation graph normalises with the running statistics. They are Store
// buffers (Store.Buffer), name.running_mean and name.running_var: saved with
// the model, never parameters, so no solver or regularizer sees them.
//
// Shape errors are reported when the model is built, naming the layer
// (conv0, maxpool1, batchnorm0, …) and the shapes involved.
//
// # Sequences: embeddings, attention, transformer blocks
//
// A sequence layer takes and returns a (batch·T, d) matrix — row b·T + t
// is position t of sample b — so that Dense, GELU and the other row-wise
// layers apply to sequences unchanged and no tensor of rank 3 is ever
// reshaped or transposed. Embedding makes that layout from a (batch, T)
// input of token ids; a linear head then gives (batch·T, vocab) logits,
// which graph.Config.Positions trains against per-position labels.
//
//	Embedding(V, d)             ids (batch, T) → W[id], (batch·T, d); gradient into W   torch nn.Embedding
//	PositionalEmbedding(T)      + P[t], P (T, d) learned                                 GPT-2 wpe
//	LayerNorm()                 per row, biased variance, ε = 1e-5, γ = 1, β = 0         torch nn.LayerNorm(d)
//	CausalSelfAttention(h, T)   Dense(3d) → fused causal softmax(QKᵀ/√dₕ)V → Dense(d)     nanoGPT CausalSelfAttention
//	MLPBlock(hidden)            Dense(hidden) → GELU → Dense(d)                          nanoGPT MLP
//	Residual(f), Add(a, b)      x + f(x), one fused add                                  He et al. 2016
//	TransformerBlock(h, T, m)   x + attn(LN(x)); x + MLP(LN(x))                          GPT-2 / nanoGPT Block (pre-norm)
//	Normal(σ), TruncatedNormal(σ)  N(0, σ²); redrawn beyond ±2σ                           torch normal_; TF truncated_normal
//
// The attention op is convergo's own, not Gorgonia's batched matmul: one
// node forward and one backward, per sample and head in a fixed order with
// float64 score sums, the probabilities recomputed in the backward pass
// (profiled on char_gpt, pure-Go build: the attention op takes about a
// fifth of the CPU time, the exact GELU's erf another fifth, the GEMMs of
// the projections, the MLP and the head about half). Embeddings, positions and
// the projections are initialised N(0, 0.02²) as nanoGPT; no layer here
// has dropout.
//
// # Variational autoencoders
//
//	GaussianSample(k)           [μ | log σ] (batch, 2k) → μ + σ⊙ε, ε ~ N(0, I) seeded    Kingma & Welling 2014
//	KLStandardNormal(h)         per-sample KL(N(μ, σ²) ‖ N(0, I)), a (batch) vector      DeepOBS _vae latent_loss
//
// ε is a graph input refilled per training step from the store seed, the
// layer name and the step (as Dropout's mask), and fixed in the evaluation
// graph. GaussianSample records its KL term with Builder.AddLoss; a
// graph.Model with Config.Loss adds such terms to its per-sample losses.
//
// Every op above runs in float32 and float64, writes into the buffer the
// machine hands back, and is checked against central finite differences
// (sequence_test.go).
package layers
