import Foundation

/// Synthetic sessions shaped like real agent work: token counts log-normal (median ~1,500, long
/// tail up to a few hundred thousand), a few unknown sizes, and importance from a simulated
/// access history (a Zipf-like number of accesses per resource, times skewed toward the present,
/// mostly views, some edits that mark the file modified).
enum SyntheticSession {
    static func make(resources: Int, seed: UInt64, now: Int64 = 1_800_000_000_000) -> SessionState {
        var rng = BenchGenerator(seed: seed)
        var state = SessionState()
        let sessionLength: Double = 4 * 3_600_000  // four hours of work
        for index in 0..<resources {
            let path = "src/module\(index % 97)/file\(index).swift"
            let tokens: Int? = rng.uniform() < 0.02 ? nil : min(400_000, max(1, Int(rng.logNormal(median: 1_500, sigma: 1.1))))
            // Zipf-like access counts: most resources once or twice, a few dozens of times.
            let accesses = max(1, Int(1 / pow(max(rng.uniform(), 1e-4), 0.7)))
            for _ in 0..<min(accesses, 200) {
                // Skewed toward the end of the session: age = length * u^2.
                let age = sessionLength * pow(rng.uniform(), 2)
                let roll = rng.uniform()
                let access: AccessType = roll < 0.6 ? .view : roll < 0.8 ? .reference : roll < 0.92 ? .edit : .execute
                state.apply(AccessEvent(path: path, type: .code, access: access, at: now - Int64(age),
                                        modified: access == .edit, tokens: tokens))
            }
        }
        return state
    }
}

/// SplitMix64 with the few distributions the workloads need.
struct BenchGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func normal() -> Double {
        let u = max(uniform(), 1e-300)
        let v = uniform()
        return sqrt(-2 * log(u)) * cos(2 * .pi * v)
    }

    mutating func logNormal(median: Double, sigma: Double) -> Double { median * exp(sigma * normal()) }
}
