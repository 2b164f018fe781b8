/// Symmetry breaking for runs of identical items (same tokens, same value), which sit next to
/// each other in density order. Any packing that takes k of a run is worth the same whichever k
/// it takes, so the solvers only consider taking the run's first k (adding, in index order) or
/// dropping its last k (removing, in reverse): once a search passes over one item of a run, it
/// passes over the rest. Without this, many equal resources (the same file size and access
/// pattern) make branch and bound enumerate all their combinations.
struct IdenticalItems {
    /// `nextDifferent[i]`: the first index after `i` whose item differs from item `i`.
    let nextDifferent: [Int]
    /// `previousDifferent[i]`: the last index before `i` whose item differs (or -1).
    let previousDifferent: [Int]

    init(values: [Double], weights: [Int]) {
        let n = values.count
        var next = [Int](repeating: n, count: n)
        var previous = [Int](repeating: -1, count: n)
        if n > 0 {
            for i in stride(from: n - 2, through: 0, by: -1) {
                let same = values[i] == values[i + 1] && weights[i] == weights[i + 1]
                next[i] = same ? next[i + 1] : i + 1
            }
            for i in 1..<n {
                let same = values[i] == values[i - 1] && weights[i] == weights[i - 1]
                previous[i] = same ? previous[i - 1] : i - 1
            }
        }
        nextDifferent = next
        previousDifferent = previous
    }
}
