#!/usr/bin/env bash
# Packing latency and quality benchmark (issue 3, "Measure"). Compiles the pure Prioritization
# sources it needs together with Benchmarks/PackingBench in release mode (-O, whole module) and
# runs it: no test target and no Package.swift change involved.
#   scripts/bench-packing.sh            # full table: 1k/10k/100k × 8k/128k/1M, plus the ripgrep replay
#   scripts/bench-packing.sh --quick    # 1k/10k only, fewer repetitions
#   scripts/bench-packing.sh --typecheck  # only check that the sources compile this way (the tests do)
set -euo pipefail
exec "$(dirname "$0")/lib/standalone-benchmark" PackingBench packing-bench "$@"
