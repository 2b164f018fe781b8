#!/usr/bin/env python3
"""Helpers for scripts/bench-tokenizer and scripts/calibrate-estimates.

  corpus OUT_DIR MEGABYTES EXT[,EXT...]   copy files of those extensions from the local package
                                          mirror (/opt/swift-packages, bare git repos, each at HEAD)
                                          into OUT_DIR until about MEGABYTES; prints the file list
  tiktoken ENCODING FILE...               tiktoken's single-thread encode_ordinary throughput
"""
import os, subprocess, sys, time

MIRROR = "/opt/swift-packages"


def mirror_repositories():
    for owner in sorted(os.listdir(MIRROR)):
        for name in sorted(os.listdir(os.path.join(MIRROR, owner))):
            if name.endswith(".git"):
                yield os.path.join(MIRROR, owner, name)


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True).stdout


def tracked_files(repo):
    """(path, size) of every blob at HEAD."""
    listing = git(repo, "ls-tree", "-r", "-l", "HEAD").decode("utf-8", "replace")
    for line in listing.splitlines():
        meta, path = line.split("\t", 1)
        parts = meta.split()
        if parts[1] == "blob" and parts[3] != "-":
            yield path, int(parts[3])


def corpus(out_dir, megabytes, extensions):
    """Round-robin over the mirror's repositories, so no single project dominates the corpus."""
    os.makedirs(out_dir, exist_ok=True)
    budget = int(megabytes * 1_000_000)
    queues = []
    for repo in mirror_repositories():
        files = [(p, s) for p, s in tracked_files(repo)
                 if os.path.splitext(p)[1].lower().lstrip(".") in extensions and 0 < s <= 400_000]
        if files:
            queues.append((repo, sorted(files)))
    total, index, written = 0, 0, []
    while total < budget and any(files for _, files in queues):
        for repo, files in queues:
            if not files or total >= budget:
                continue
            path, size = files.pop(0)
            data = git(repo, "show", f"HEAD:{path}")
            target = os.path.join(out_dir, f"{index:05d}{os.path.splitext(path)[1].lower()}")
            with open(target, "wb") as handle:
                handle.write(data)
            written.append(target)
            total += len(data)
            index += 1
    print("\n".join(written))


def tiktoken_throughput(encoding_name, paths):
    import tiktoken
    encoding = tiktoken.get_encoding(encoding_name)
    texts = []
    for path in paths:
        with open(path, "rb") as handle:
            texts.append(handle.read().decode("utf-8", "replace"))
    size = sum(len(t.encode("utf-8")) for t in texts)
    best, tokens = float("inf"), 0
    for _ in range(3):  # best of three, as the Swift side does
        start = time.perf_counter()
        tokens = sum(len(encoding.encode_ordinary(t)) for t in texts)
        best = min(best, time.perf_counter() - start)
    print(f"encoding={encoding_name} files={len(texts)} bytes={size} tokens={tokens} mbps={size / 1e6 / best:.2f}")


if __name__ == "__main__":
    if sys.argv[1] == "corpus":
        corpus(sys.argv[2], float(sys.argv[3]), set(sys.argv[4].split(",")))
    elif sys.argv[1] == "tiktoken":
        tiktoken_throughput(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)
