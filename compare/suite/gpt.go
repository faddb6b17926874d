package suite

import (
	"fmt"
	"sync"

	"github.com/convergo/convergo/compare"
	"github.com/convergo/convergo/datasets"
	"github.com/convergo/convergo/graph"
	"github.com/convergo/convergo/layers"
	"github.com/pkg/errors"
)

// GPTConfig is the shape of a decoder-only transformer over bytes.
type GPTConfig struct {
	Vocab   int // 256 for bytes
	Context int // positions per sequence
	Dim     int // model width d
	Layers  int // transformer blocks
	Heads   int // attention heads (d a multiple of it)
	Hidden  int // MLP width (4d in GPT-2)
}

// CharGPTSmall and CharGPTFull are char_gpt's two sizes: the small one of
// the issue (2 layers, d = 64, 4 heads, context 64) and nanoGPT's
// shakespeare_char "baby GPT" (6 layers, d = 384, 6 heads, context 256;
// without its dropout).
var (
	CharGPTSmall = GPTConfig{Vocab: 256, Context: 64, Dim: 64, Layers: 2, Heads: 4, Hidden: 256}
	CharGPTFull  = GPTConfig{Vocab: 256, Context: 256, Dim: 384, Layers: 6, Heads: 6, Hidden: 1536}
)

// GPT returns the network: token embedding and learned positional
// embedding, Layers pre-norm transformer blocks (layers.TransformerBlock),
// a final layer norm and a linear head to Vocab logits per position — the
// GPT-2 architecture as nanoGPT writes it, without dropout and with an
// untied head. Its input is (batch, Context) byte values, its output
// (batch·Context, Vocab) logits: graph.Config{Input: {Context}, Classes:
// Vocab, Positions: Context}.
func GPT(c GPTConfig) layers.Layer {
	ls := []layers.Layer{layers.Embedding(c.Vocab, c.Dim), layers.PositionalEmbedding(c.Context)}
	for range c.Layers {
		ls = append(ls, layers.TransformerBlock(c.Heads, c.Context, c.Hidden))
	}
	return layers.Stack(append(ls, layers.LayerNorm(), layers.Dense(c.Vocab).WithInit(layers.Normal(0.02), layers.Zeros))...)
}

// Corpus sizes of char_gpt (GoSource byte budgets) and the validation
// windows it evaluates on.
const (
	CharCorpusSmall = 1 << 20 // 1 MiB of Go source, about 0.9 MiB for training
	CharCorpusFull  = 8 << 20
	CharValWindows  = 256 // 256 evenly spaced validation windows (16 KiB at context 64)
)

var corpusCache sync.Map // budget → *corpus

type corpus struct {
	once       sync.Once
	train, val []byte
	err        error
}

func goCorpus(budget int) ([]byte, []byte, error) {
	c, _ := corpusCache.LoadOrStore(budget, &corpus{})
	cc := c.(*corpus)
	cc.once.Do(func() {
		cc.train, cc.val, _, cc.err = datasets.GoSource(datasets.GoSourceOptions{Bytes: budget})
	})
	return cc.train, cc.val, cc.err
}

func loadCharGPT(o Options) (compare.Problem, error) {
	cfg, budget, batch := CharGPTSmall, CharCorpusSmall, 16
	if o.Size == Full {
		cfg, budget, batch = CharGPTFull, CharCorpusFull, 64
	}
	var tr, va []byte
	var err error
	name := fmt.Sprintf("gosrc%dk", budget>>10)
	if o.Data != "" {
		tr, va, err = datasets.TextFile(o.Data)
		name = o.Data
	} else {
		tr, va, err = goCorpus(budget)
	}
	if err != nil {
		return compare.Problem{}, err
	}
	train, err := datasets.Text(name+"/train", tr, cfg.Context)
	if err != nil {
		return compare.Problem{}, err
	}
	eval, err := datasets.Text(name+"/val", va, cfg.Context)
	if err != nil {
		return compare.Problem{}, err
	}
	if n := eval.Len(); n > CharValWindows {
		idx := make([]int, CharValWindows) // evenly spaced, so every validation file is represented
		for i := range idx {
			idx[i] = i * n / CharValWindows
		}
		if eval, err = eval.Subset(idx); err != nil {
			return compare.Problem{}, err
		}
	}
	if train.Len() < batchOr(o, batch) {
		return compare.Problem{}, errors.Errorf("char_gpt: %d training windows of %d bytes, fewer than a batch", train.Len(), cfg.Context)
	}
	return compare.Problem{
		Name: "char_gpt", Train: train, Eval: eval,
		Config: graph.Config{Input: []int{cfg.Context}, Classes: cfg.Vocab, Positions: cfg.Context, Batch: batchOr(o, batch), EvalBatch: 32},
		Net:    func() layers.Layer { return GPT(cfg) },
	}, nil
}
