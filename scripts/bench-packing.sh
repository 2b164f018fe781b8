#!/usr/bin/env bash
# Packing latency and quality benchmark (issue 3, "Measure"). Compiles the pure Prioritization
# sources it needs together with Benchmarks/PackingBench in release mode (-O, whole module) and
# runs it: no test target and no Package.swift change involved.
#   scripts/bench-packing.sh            # full table: 1k/10k/100k × 8k/128k/1M, plus the ripgrep replay
#   scripts/bench-packing.sh --quick    # 1k/10k only, fewer repetitions
#   scripts/bench-packing.sh --typecheck  # only check that the sources compile this way (the tests do)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/.build-release/packing-bench"
mkdir -p "$(dirname "$out")"
src="$root/Sources/Prioritization"
sources=(
  "$src"/*.swift
  "$src"/Importance/*.swift
  "$src"/Packing/*.swift
  "$src"/Session/*.swift
  "$src"/Report/*.swift
  "$src"/Relations/*.swift
  "$src"/Replay/*.swift
  "$root"/Benchmarks/PackingBench/*.swift
)
flags=(-module-name PackingBench -I "$root/Sources/CLibCrypto")
# --typecheck: only check that the sources still compile this way (what the tests run).
if [[ ${1:-} == --typecheck ]]; then exec swiftc -typecheck "${flags[@]}" "${sources[@]}"; fi
swiftc -O -wmo "${flags[@]}" -o "$out" "${sources[@]}"
exec "$out" --fixture "$root/Benchmarks/Fixtures/ripgrep-history.jsonl" "$@"
