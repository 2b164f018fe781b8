import Foundation

/// A "fresh session" as the server sees one: every resource tracked once, within a few seconds,
/// with a random access type (view twice as likely), so importances take ~4 values that differ
/// only by tiny decay differences. Tokens: Python's `max(1, int(lognormvariate(7.0, 1.0)))`.
enum TiedSession {
    static func make(resources: Int, seed: UInt64, now: Int64 = 1_800_000_000_000) -> SessionState {
        var rng = BenchGenerator(seed: seed)
        var state = SessionState()
        let kinds: [AccessType] = [.view, .view, .edit, .reference, .execute]
        for index in 0..<resources {
            let path = "src/module\(index % 97)/file\(index).swift"
            let tokens = max(1, Int(exp(7.0 + rng.normal())))
            let access = kinds[Int(rng.uniform() * 5) % 5]
            let at = now - 5_000 + Int64(Double(index) * 5_000 / Double(resources))
            state.apply(AccessEvent(path: path, type: .code, access: access, at: at, modified: false, tokens: tokens))
        }
        return state
    }

    static func run(quick: Bool) {
        let clock = ContinuousClock()
        print("## Fresh session, near-tied importances (10k resources, each tracked once)")
        print("")
        print("| budget | candidates p50 ms | optimal p50 ms | optimal p99 ms | max ms | proven | density / optimal |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        let sessions = (0..<8).map { TiedSession.make(resources: 10_000, seed: UInt64(1000 + $0)) }
        let now: Int64 = 1_800_000_000_000
        for budget in [8_000, 128_000] {
            var build: [Double] = []
            var samples: [Double] = []
            var proven = 0
            var shares: [Double] = []
            let repetitions = quick ? 40 : 200
            for rep in 0..<repetitions {
                let t0 = clock.now
                let candidates = sessions[rep % sessions.count].candidates(at: now)
                let t1 = clock.now
                let result = Packer.pack(candidates, PackingRequest(budget: budget, strategy: .optimal))
                let t2 = clock.now
                build.append(milliseconds(t1 - t0))
                samples.append(milliseconds(t2 - t1))
                if result.provenOptimal { proven += 1 }
                if rep < sessions.count {
                    let density = Packer.pack(candidates, PackingRequest(budget: budget, strategy: .density))
                    shares.append(density.totalImportance / result.totalImportance)
                }
            }
            build.sort()
            samples.sort()
            print("| \(budget) | \(String(format: "%.3f", percentile(build, 0.5))) | \(String(format: "%.3f", percentile(samples, 0.5))) | \(String(format: "%.3f", percentile(samples, 0.99))) | \(String(format: "%.3f", samples.last!)) | \(proven)/\(repetitions) | \(String(format: "%.6f", shares.reduce(0, +) / Double(shares.count))) |")
        }
        print("")
    }
}
