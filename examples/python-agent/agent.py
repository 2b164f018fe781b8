#!/usr/bin/env python3
"""A coding agent's side of Prioritizer, on redis-py.

It tracks a simulated editing session (files opened, edited, tests run, docs looked up), then
prepares a context for a prompt within a token budget as the seed's prepareContext does: count
the prompt's tokens, reserve overhead, ask the server for the resources that carry the most
importance in what is left, and print them.

    pip install redis
    python3 examples/python-agent/agent.py --port 7420 --token "$(cat .prioritizer/admin-token)"

The token may also come from PRIORITIZER_TOKEN; host and port from PRIORITIZER_HOST and
PRIORITIZER_PORT.
"""

import argparse
import os
import sys

import redis

OVERHEAD_TOKENS = 500  # the seed's reserve for metadata and formatting

# (path, type, access, options): what an agent refactoring a parser does in a morning.
SIMULATED_SESSION = [
    ("src/parser.swift", "code", "view", {"TOKENS": 1800}),
    ("src/lexer.swift", "code", "view", {"TOKENS": 1100}),
    ("docs/grammar.md", "documentation", "reference", {"SIZE": 12000}),
    ("src/parser.swift", "code", "edit", {"MODIFIED": True}),
    ("Tests/ParserTests.swift", "code", "execute", {"TOKENS": 900}),
    ("src/parser.swift", "code", "edit", {"MODIFIED": True}),
    ("src/ast.swift", "code", "view", {"CONTENT": "indirect enum Expression { case number(Double) }\n"}),
    ("data/fixtures.json", "data", "view", {"SIZE": 40000}),
    ("papers/pratt-1973.pdf", "research", "reference", {"TOKENS": 30000}),
    ("Tests/ParserTests.swift", "code", "execute", {}),
]


def track(r, session, path, resource_type, access, options):
    """TRACK session path type access [SIZE b] [TOKENS n] [CONTENT text] [MODIFIED]."""
    words = ["TRACK", session, path, resource_type, access]
    for option, value in options.items():
        words += [option] if value is True else [option, value]
    return r.execute_command(*words)


def prepare_context(r, session, prompt, token_budget=8000):
    """The seed's prepareContext: the prompt's tokens and the overhead come off the budget."""
    prompt_tokens = r.execute_command("TOKENS", prompt)
    resource_tokens = token_budget - prompt_tokens - OVERHEAD_TOKENS
    # PRIORITIZE answers [[path, importance, tokens], ...], most important first.
    chosen = r.execute_command("PRIORITIZE", session, resource_tokens)
    return prompt_tokens, resource_tokens, [(path, float(importance), tokens) for path, importance, tokens in chosen]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("PRIORITIZER_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PRIORITIZER_PORT", "7420")))
    parser.add_argument("--token", default=os.environ.get("PRIORITIZER_TOKEN"))
    parser.add_argument("--budget", type=int, default=8000)
    args = parser.parse_args()
    if not args.token:
        sys.exit("a token is needed: --token TOKEN or PRIORITIZER_TOKEN")

    # The token alone names the agent (AUTH token); decode_responses gives str instead of bytes.
    r = redis.Redis(host=args.host, port=args.port, password=args.token, decode_responses=True)
    session = r.execute_command("SESSION.CREATE", "BUDGET", args.budget, "LABEL", "python agent: refactor parser")
    print(f"session {session}")

    for path, resource_type, access, options in SIMULATED_SESSION:
        count = track(r, session, path, resource_type, access, options)
        print(f"tracked {access:<9} {path} (access {count})")

    prompt = "Refactor the parser to a Pratt parser and keep the tests green."
    prompt_tokens, resource_tokens, chosen = prepare_context(r, session, prompt, args.budget)
    print(f"prompt {prompt_tokens} tokens, overhead {OVERHEAD_TOKENS}, {resource_tokens} tokens for resources")
    used = 0
    for path, importance, tokens in chosen:
        used += tokens
        print(f"context {path} importance={importance:.3f} tokens={tokens}")
    print(f"chosen {len(chosen)} files, {used} of {resource_tokens} tokens")
    r.execute_command("SESSION.CLOSE", session)


if __name__ == "__main__":
    main()
