#!/usr/bin/env python3
"""Calibrates TokenEstimator: bytes per token by file extension and resource type, measured with
exact o200k_base counts (tiktoken, which gives ids identical to Prioritization's Tokenizer) on the
local package mirror (/opt/swift-packages, bare git repositories at HEAD).

Files are sampled per extension with a fixed seed and split in two: the even half sets the ratios
(median bytes/token), the odd half measures the estimator's relative error, so the error table is
not judged on the data it was fitted to.

usage: calibrate_estimates.py [SAMPLES_PER_EXTENSION]   (prints Markdown and a Swift table)
"""
import os, random, re, statistics, subprocess, sys
from collections import defaultdict

import tiktoken

MIRROR = "/opt/swift-packages"
SEED = 20261127
MAX_FILE_BYTES = 1_000_000

# What each resource type looks like in a code base. GENERATED and RESEARCH are recognised by path
# before the extension decides.
TYPE_BY_EXTENSION = {
    "CODE": "swift c h cc cpp m s inc py js sh proto gyb rb cmake bzl bazel css wat".split(),
    "DOCUMENTATION": "md txt rst html mdoc".split(),
    "DATA": "json yml yaml plist xml svg xcscheme csv toml".split(),
}
GENERATED_PATH = re.compile(r"(^|/)(generated|gen)(/|$)|\.pb\.swift$|\.grpc\.swift$|\.pbxproj$|(^|/)package\.resolved$", re.I)
RESEARCH_PATH = re.compile(r"(proposal|rfc|design|research|notes|evolution|rationale)[^/]*/.*\.(md|txt|rst)$|"
                           r"(proposal|rfc|research|notes|rationale)[^/]*\.(md|txt|rst)$", re.I)
EXTENSION_TYPE = {ext: kind for kind, exts in TYPE_BY_EXTENSION.items() for ext in exts}


def extension(path):
    name = path.rsplit("/", 1)[-1].lower()
    return name.rsplit(".", 1)[1] if "." in name.lstrip(".") else ""


def compound_key(path):
    """Multi-part suffixes that predict density better than their last extension."""
    lower = path.lower()
    for suffix in (".pb.swift", ".grpc.swift"):
        if lower.endswith(suffix):
            return suffix.lstrip(".")
    return None


def resource_type(path):
    if GENERATED_PATH.search(path):
        return "GENERATED"
    if RESEARCH_PATH.search(path):
        return "RESEARCH"
    return EXTENSION_TYPE.get(extension(path))


def mirror_blobs():
    for owner in sorted(os.listdir(MIRROR)):
        for name in sorted(os.listdir(os.path.join(MIRROR, owner))):
            repo = os.path.join(MIRROR, owner, name)
            listing = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "-l", "HEAD"],
                                     capture_output=True).stdout.decode("utf-8", "replace")
            for line in listing.splitlines():
                meta, path = line.split("\t", 1)
                parts = meta.split()
                if parts[1] == "blob" and parts[3] != "-" and 0 < int(parts[3]) <= MAX_FILE_BYTES:
                    yield repo, path


def read_blobs(requests):
    """Contents of (repo, path) pairs, one `git cat-file --batch` per repository."""
    by_repo = defaultdict(list)
    for repo, path in requests:
        by_repo[repo].append(path)
    contents = {}
    for repo, paths in by_repo.items():
        batch = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], check=True, capture_output=True,
                               input="".join(f"HEAD:{p}\n" for p in paths).encode()).stdout
        offset = 0
        for path in paths:
            header_end = batch.index(b"\n", offset)
            header = batch[offset:header_end].split()
            size = int(header[2])
            contents[(repo, path)] = batch[header_end + 1: header_end + 1 + size]
            offset = header_end + 1 + size + 1
    return contents


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    per_key = int(sys.argv[1]) if len(sys.argv) > 1 else 160
    rng = random.Random(SEED)
    groups = defaultdict(list)  # (type, key) -> [(repo, path)]
    for repo, path in mirror_blobs():
        kind = resource_type(path)
        if kind:
            groups[(kind, compound_key(path) or extension(path))].append((repo, path))
    chosen = []
    for key in sorted(groups):
        files = groups[key]
        rng.shuffle(files)
        chosen += [(key, f) for f in files[:per_key]]
    contents = read_blobs([f for _, f in chosen])

    encoding = tiktoken.get_encoding("o200k_base")
    samples = defaultdict(list)  # (type, key) -> [(bytes, tokens)]
    for key, f in chosen:
        data = contents[f]
        if b"\0" in data:  # binary
            continue
        tokens = len(encoding.encode_ordinary(data.decode("utf-8", "replace")))
        if tokens:
            samples[key].append((len(data), tokens))

    fit = {k: v[0::2] for k, v in samples.items()}
    held_out = {k: v[1::2] for k, v in samples.items()}

    # Ratios: per extension where it has enough files, per type over all its fitting files.
    by_key = {k: statistics.median(b / t for b, t in v) for k, v in fit.items() if len(v) >= 8}
    by_type = {}
    for kind in ("CODE", "DOCUMENTATION", "DATA", "RESEARCH", "GENERATED"):
        ratios = [b / t for (k, _), v in fit.items() if k == kind for b, t in v]
        by_type[kind] = statistics.median(ratios)

    def estimate(size, ratio):
        return max(1, round(size / ratio))

    print("## Bytes per token by resource type (default when the extension is not in the table)\n")
    print("| type | bytes/token | files (fit + held out) | median error, type only | p95 error, type only "
          "| median error, with path | p95 error, with path |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind, ratio in by_type.items():
        rows = [(k, b, t) for (tk, k), v in held_out.items() if tk == kind for b, t in v]
        count = sum(len(v) for (tk, _), v in samples.items() if tk == kind)
        type_only = [abs(estimate(b, ratio) - t) / t for _, b, t in rows]
        with_path = [abs(estimate(b, by_key.get((kind, k), ratio)) - t) / t for k, b, t in rows]
        print(f"| {kind} | {ratio:.2f} | {count} | {statistics.median(type_only):.1%} | {percentile(type_only, .95):.1%} "
              f"| {statistics.median(with_path):.1%} | {percentile(with_path, .95):.1%} |")

    print("\n## Bytes per token by extension (held-out error)\n")
    print("| type | extension | bytes/token | files | median error | p95 error |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for (kind, key), ratio in sorted(by_key.items()):
        rows = held_out[(kind, key)]
        errors = [abs(estimate(b, ratio) - t) / t for b, t in rows] or [0.0]
        print(f"| {kind} | {key or '(none)'} | {ratio:.2f} | {len(samples[(kind, key)])} "
              f"| {statistics.median(errors):.1%} | {percentile(errors, .95):.1%} |")

    print("\n## Swift (TokenEstimator's tables)\n")
    print("    static let bytesPerTokenByType: [ResourceType: Double] = [")
    for kind, ratio in by_type.items():
        print(f"        .{kind.lower()}: {ratio:.2f},")
    print("    ]")
    print("    static let bytesPerTokenByTypeAndExtension: [ResourceType: [String: Double]] = [")
    for kind in by_type:
        entries = ", ".join(f'"{key}": {ratio:.2f}' for (k, key), ratio in sorted(by_key.items()) if k == kind)
        print(f"        .{kind.lower()}: [{entries}],")
    print("    ]")
    # For a type the extension was not measured under, the type it was most often found as.
    best = {}
    for (kind, key), ratio in sorted(by_key.items(), key=lambda item: (-len(samples[item[0]]), item[0])):
        best.setdefault(key, ratio)
    print("    static let bytesPerTokenByExtension: [String: Double] = [")
    print("        " + ", ".join(f'"{key}": {ratio:.2f}' for key, ratio in sorted(best.items())) + ",")
    print("    ]")

main()
