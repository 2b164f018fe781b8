#!/usr/bin/env python3
"""Differential fuzzing: token counts of `prioritizer tokens` against tiktoken on random texts
built from the characters the pre-tokenization patterns treat specially.

usage: TIKTOKEN_CACHE_DIR=... fuzz-tokenizer.py PRIORITIZER_BINARY [COUNT] [SEED]
"""
import os, random, subprocess, sys, tempfile
import tiktoken

ALPHABET = (
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    + list(" \t\r\n'\"/.,;:!?-_=+*&^%$#@()[]{}<>|\\`~")
    + ["'s", "'S", "'ll", "'LL", "'ve", "'re", "'d", "'m", "'t", "'\u017f", "\r\n", "  ", "\n\n", " /", "//"]
    + ["\u00a0", "\u3000", "\u0085", "\u2028", "\u2029", "\u1680", "\u200b", "\u200d", "\ufeff", "\x0b", "\x0c"]
    + ["\u0301", "\u0903", "\u20dd", "\u0300\u0301"]          # Mn, Mc, Me marks
    + ["\u02b0", "\u3005", "\u05d0", "\u4e2d", "\u6587", "\u01c5", "\u1f88"]  # Lm, Lm, Lo, Lo, Lo, Lt, Lt
    + ["\u00e9", "\u00c9", "\u0416", "\u0436", "\u03a3", "\u03c3", "\u0627", "\u0644"]
    + ["\u2160", "\u00b2", "\u0663", "\uff11", "\U0001d7ce"]   # Nl, No, Nd, fullwidth, math digit
    + ["\U0001f600", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469", "\U00020000", "\U0001d400"]
    + ["\u00ad", "\u2019", "\u2014", "\u00bf", "\u20ac", "\ufffd"]
)

# Long single pieces (over the merger's 128-byte threshold) from small alphabets, where equal-ranked
# pairs make the order of merges matter.
LONG_ALPHABETS = ["ab", "aab", "xyzXYZ", "=-", "\u00e9\u4e2d", "abcdefghijklmnopqrstuvwxyz", "0123"]

def random_text(rng):
    if rng.random() < 0.1:
        alphabet = rng.choice(LONG_ALPHABETS)
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(100, 1500)))
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 40)))

def main():
    binary = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    texts = [random_text(rng) for _ in range(count)]
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, text in enumerate(texts):
            path = os.path.join(folder, f"{index}.txt")
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            paths.append(path)
        for name in ("o200k_base", "cl100k_base"):
            encoding = tiktoken.get_encoding(name)
            output = subprocess.run([binary, "--encoding", name, *paths], check=True, capture_output=True, text=True).stdout
            counts = [int(line.split(" ", 1)[0]) for line in output.splitlines()[: len(paths)]]
            for text, ours in zip(texts, counts):
                theirs = len(encoding.encode_ordinary(text))
                if ours != theirs:
                    failures += 1
                    if failures <= 20:
                        print(f"{name}: {text!r}: ours {ours}, tiktoken {theirs}")
                        print("   pieces:", [encoding.decode_single_token_bytes(t) for t in encoding.encode_ordinary(text)])
            print(f"{name}: {len(texts)} texts compared")
    print("mismatches:", failures)
    sys.exit(1 if failures else 0)

main()
