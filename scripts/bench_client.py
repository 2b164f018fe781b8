#!/usr/bin/env python3
"""Helpers for scripts/bench that speak RESP directly (no client library to install).

  fill PORT TOKEN SESSION_COUNT RESOURCES [SEED]   create SESSION_COUNT sessions and TRACK RESOURCES
                                                   distinct paths into each, pipelined; prints the
                                                   session ids, one a line
  latency PORT TOKEN SESSION BUDGET STRATEGY N     N round trips of PRIORITIZE … DRYRUN; prints
                                                   "p50_ms P p99_ms Q"
"""
import random, socket, sys, time

try:
    # C reply parser: a PRIORITIZE reply of hundreds of entries parsed a line at a time in Python
    # took milliseconds of the client's own, which the latency figures would count as the server's.
    import hiredis
except ImportError:
    hiredis = None


class Connection:
    def __init__(self, port, token):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")
        self.reader = hiredis.Reader(encoding="utf-8") if hiredis else None
        self.call("AUTH", token)

    @staticmethod
    def encode(*words):
        out = [f"*{len(words)}\r\n".encode()]
        for word in words:
            data = word.encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        return b"".join(out)

    def read(self):
        if self.reader is not None:
            while (reply := self.reader.gets()) is False:
                self.reader.feed(self.sock.recv(1 << 16))
            if isinstance(reply, hiredis.ReplyError):
                raise RuntimeError(str(reply))
            return reply
        line = self.file.readline()
        kind, rest = line[:1], line[1:-2]
        if kind in (b"+", b":"):
            return rest.decode()
        if kind == b"-":
            raise RuntimeError(rest.decode())
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.file.read(n + 2)[:-2]
            return data.decode()
        if kind == b"*":
            return [self.read() for _ in range(int(rest))]
        raise RuntimeError(f"unexpected reply {line!r}")

    def call(self, *words):
        self.sock.sendall(self.encode(*words))
        return self.read()

    def pipeline(self, commands, depth=256):
        for start in range(0, len(commands), depth):
            chunk = commands[start:start + depth]
            self.sock.sendall(b"".join(self.encode(*c) for c in chunk))
            for _ in chunk:
                self.read()


def fill(port, token, session_count, resources, seed=7):
    rng = random.Random(seed)
    conn = Connection(port, token)
    accesses = ["view", "view", "edit", "reference", "execute"]
    for _ in range(session_count):
        session = conn.call("SESSION.CREATE", "LABEL", "bench")
        commands = []
        for i in range(resources):
            tokens = max(1, int(rng.lognormvariate(7.0, 1.0)))
            commands.append(("TRACK", session, f"src/m{i % 97}/f{i}.swift", "code",
                             rng.choice(accesses), "TOKENS", str(tokens)))
        conn.pipeline(commands)
        print(session, flush=True)


def latency(port, token, session, budget, strategy, n):
    conn = Connection(port, token)
    times = []
    for _ in range(n):
        start = time.perf_counter()
        conn.call("PRIORITIZE", session, budget, "STRATEGY", strategy, "DRYRUN")
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"p50_ms {times[len(times) // 2] * 1000:.2f} p99_ms {times[int(len(times) * 0.99) - 1] * 1000:.2f}")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "fill":
        fill(int(args[0]), args[1], int(args[2]), int(args[3]), *(int(a) for a in args[4:]))
    elif command == "latency":
        latency(int(args[0]), args[1], args[2], args[3], args[4], int(args[5]))
    else:
        sys.exit(__doc__)
