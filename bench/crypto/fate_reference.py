#!/usr/bin/env python3
"""FATE-algorithm Paillier reference: the operations of FATE 1.x's fate_paillier on gmpy2.

A self-contained re-implementation of what FATE's Paillier does per operation, so that
fedflow can be compared with it on the same machine and the same GMP library:

  encoding    FixedPointNumber style: base 16; a float x gets the exponent
              e = floor((frexp(x)[1] - 53) / 4), so that the integer round(x * 16^-e) keeps
              the 53 bits of the double's mantissa; negative integers are stored mod n, and
              |integer| must stay below max_int = n // 3 - 1.
  encrypt     c = (1 + n*m) mod n^2 (for a "negative" m >= n - max_int: the inverse of
              1 + n*(n - m)), times the obfuscator r^n mod n^2 for a fresh r in [1, n]
              from the system CSPRNG: one powmod with an n-sized exponent per encryption.
  decrypt     CRT: m_p = L_p(c^(p-1) mod p^2) * h_p mod p, likewise m_q, recombined with
              q^-1 mod p; then decoded (signed, times 16^exponent).
  add         c_a * c_b mod n^2. "add" pairs operands with the same exponent (two
              encryptions of one value); "add_mixed" adds two different random values,
              whose base-16 exponents usually differ: FATE first lowers the larger one by
              multiplying its ciphertext by the integer 16^difference (a powmod).
  scalar mul  the scalar is encoded as above; a "negative" encoding k >= n - max_int
              gives (c^-1 mod n^2)^(n - k) mod n^2, otherwise c^k mod n^2.

As in FATE, ciphertexts are held as Python ints between operations and every gmpy2 result
is converted back to int; each encrypted number is a small Python object carrying its
exponent. Rates are per CPU second of the (single) Python thread.

Output: one line per measurement,
  RESULT fate_reference <key bits> <encrypt|decrypt|add|add_mixed|scalar_mul> <ops per CPU second>

  /usr/bin/python3 bench/crypto/fate_reference.py [--bits 1024,2048] [--seconds 2]
"""

import argparse
import math
import random
import sys
import time

try:
    import gmpy2
except ImportError:  # pragma: no cover - reported to the caller
    sys.stderr.write("fate_reference.py needs gmpy2 (Debian: apt-get install python3-gmpy2)\n")
    sys.exit(2)

BASE = 16
LOG2_BASE = 4
FLOAT_MANTISSA_BITS = sys.float_info.mant_dig  # 53
SMALL_INT = 1 << 64  # below this, Python's own pow is used (as FATE does)

_sysrand = random.SystemRandom()


def powmod(a, b, c):
    if a == 1:
        return 1
    if max(a, b, c) < SMALL_INT:
        return pow(a, b, c)
    return int(gmpy2.powmod(a, b, c))


def invert(a, b):
    return int(gmpy2.invert(a, b))


class PublicKey:
    def __init__(self, n):
        self.n = n
        self.g = n + 1
        self.nsquare = n * n
        self.max_int = n // 3 - 1

    def raw_encrypt(self, m):
        if self.n - self.max_int <= m < self.n:
            neg = (self.n * (self.n - m) + 1) % self.nsquare
            c = invert(neg, self.nsquare)
        else:
            c = (self.n * m + 1) % self.nsquare
        r = _sysrand.randint(1, self.n)
        obfuscator = powmod(r, self.n, self.nsquare)
        return int(gmpy2.mpz(c) * gmpy2.mpz(obfuscator) % self.nsquare)

    def encrypt(self, x):
        enc = Encoded.encode(x, self.n, self.max_int)
        return EncryptedNumber(self, self.raw_encrypt(enc.encoding), enc.exponent)


class PrivateKey:
    def __init__(self, public_key, p, q):
        if p > q:
            p, q = q, p
        self.public_key = public_key
        self.p, self.q = p, q
        self.psquare, self.qsquare = p * p, q * q
        self.q_inverse = invert(q, p)
        self.hp = self._h(p, self.psquare)
        self.hq = self._h(q, self.qsquare)

    def _h(self, x, xsquare):
        return invert(self._l(powmod(self.public_key.g, x - 1, xsquare), x), x)

    @staticmethod
    def _l(u, x):
        return (u - 1) // x

    def raw_decrypt(self, c):
        mp = self._l(powmod(c, self.p - 1, self.psquare), self.p) * self.hp % self.p
        mq = self._l(powmod(c, self.q - 1, self.qsquare), self.q) * self.hq % self.q
        u = (mp - mq) * self.q_inverse % self.p
        return (mq + u * self.q) % self.public_key.n

    def decrypt(self, enc):
        pk = self.public_key
        m = self.raw_decrypt(enc.ciphertext)
        return Encoded(m, enc.exponent, pk.n, pk.max_int).decode()


class Encoded:
    """Base-16 fixed point: value = signed(encoding) * 16^exponent."""

    def __init__(self, encoding, exponent, n, max_int):
        self.encoding, self.exponent, self.n, self.max_int = encoding, exponent, n, max_int

    @classmethod
    def encode(cls, x, n, max_int):
        if isinstance(x, int):
            exponent = 0
        else:
            lsb = math.frexp(x)[1] - FLOAT_MANTISSA_BITS
            exponent = math.floor(lsb / LOG2_BASE)
        integer = round(x * pow(BASE, -exponent))
        if abs(integer) > max_int:
            raise ValueError("integer %d exceeds max_int" % integer)
        return cls(integer % n, exponent, n, max_int)

    def decode(self):
        m = self.encoding
        if m >= self.n:
            raise ValueError("attempted to decode a corrupted number")
        if m <= self.max_int:
            v = m
        elif m >= self.n - self.max_int:
            v = m - self.n
        else:
            raise OverflowError("overflow detected in decrypted number")
        return v * pow(BASE, self.exponent)


class EncryptedNumber:
    def __init__(self, public_key, ciphertext, exponent):
        self.public_key, self.ciphertext, self.exponent = public_key, ciphertext, exponent

    def __add__(self, other):
        # Operands on different exponents are first aligned to the smaller one, by a
        # multiplication with the integer 16^difference (a small-exponent powmod).
        x, y = self, other
        if x.exponent > y.exponent:
            x = x.lower_exponent_to(y.exponent)
        elif y.exponent > x.exponent:
            y = y.lower_exponent_to(x.exponent)
        pk = self.public_key
        c = gmpy2.mpz(x.ciphertext) * gmpy2.mpz(y.ciphertext) % pk.nsquare
        return EncryptedNumber(pk, int(c), x.exponent)

    def lower_exponent_to(self, exponent):
        product = self * pow(BASE, self.exponent - exponent)
        product.exponent = exponent
        return product

    def __mul__(self, scalar):
        pk = self.public_key
        enc = Encoded.encode(scalar, pk.n, pk.max_int)
        k = enc.encoding
        if k >= pk.n - pk.max_int:
            c = powmod(invert(self.ciphertext, pk.nsquare), pk.n - k, pk.nsquare)
        else:
            c = powmod(self.ciphertext, k, pk.nsquare)
        return EncryptedNumber(pk, c, self.exponent + enc.exponent)


def random_prime(bits):
    while True:
        x = _sysrand.getrandbits(bits) | (3 << (bits - 2)) | 1
        p = int(gmpy2.next_prime(x))
        if p.bit_length() == bits:
            return p


def generate_keypair(bits):
    while True:
        p = random_prime(bits // 2)
        q = random_prime(bits // 2)
        n = p * q
        if p != q and n.bit_length() == bits:
            pk = PublicKey(n)
            return pk, PrivateKey(pk, p, q)


def measure(op, seconds, pool):
    op(0)  # warm-up
    t0 = time.thread_time()
    calls = 0
    elapsed = 0.0
    while elapsed < seconds:
        for _ in range(8):
            op(calls % pool)
            calls += 1
        elapsed = time.thread_time() - t0
    return calls / elapsed


def run(bits, seconds):
    rng = random.Random(bits)

    def gradient():
        # Uniform mantissas over magnitudes 1e-4 .. 1e1, both signs (as paillier_bench).
        return rng.uniform(-1.0, 1.0) * 10.0 ** (rng.randrange(6) - 4)

    pk, sk = generate_keypair(bits)
    pool = 256
    xs = [gradient() for _ in range(pool)]
    ks = [gradient() for _ in range(pool)]
    cs = [pk.encrypt(x) for x in xs]
    for x, c in zip(xs, cs[:16]):
        assert abs(sk.decrypt(c) - x) <= 1e-12 * max(1.0, abs(x)), "self-check failed"
    for i in range(16):
        product = sk.decrypt(cs[i] * ks[i])
        assert abs(product - xs[i] * ks[i]) <= 1e-12 * max(1.0, abs(xs[i] * ks[i])), \
            "self-check failed"
    # Additions need equal exponents: pair each ciphertext with another encryption of the
    # same value.
    twins = [pk.encrypt(x) for x in xs]
    rates = {
        "encrypt": measure(lambda i: pk.encrypt(xs[i]), seconds, pool),
        "decrypt": measure(lambda i: sk.decrypt(cs[i]), seconds, pool),
        "add": measure(lambda i: cs[i] + twins[i], seconds, pool),
        "add_mixed": measure(lambda i: cs[i] + cs[(i + 1) % pool], seconds, pool),
        "scalar_mul": measure(lambda i: cs[i] * ks[i], seconds, pool),
    }
    for i in range(16):
        total = sk.decrypt(cs[i] + cs[(i + 1) % pool])
        assert abs(total - xs[i] - xs[(i + 1) % pool]) <= 1e-9, "self-check failed"
    for op in ("encrypt", "decrypt", "add", "add_mixed", "scalar_mul"):
        print("RESULT fate_reference %d %s %.1f" % (bits, op, rates[op]), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bits", default="1024,2048", help="comma-separated key sizes")
    parser.add_argument("--seconds", type=float, default=2.0,
                        help="CPU seconds spent measuring each operation")
    args = parser.parse_args()
    print("# FATE-algorithm reference: Python %s, gmpy2 %s, %s" %
          (sys.version.split()[0], gmpy2.version(), gmpy2.mp_version()))
    for bits in (int(b) for b in args.bits.split(",")):
        run(bits, args.seconds)


if __name__ == "__main__":
    main()
