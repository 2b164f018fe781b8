/// Exact 0/1 knapsack by dynamic programming over an expanding core, after Pisinger's minknap
/// (1997): instead of enumerating the items around the break item one branch at a time, it
/// keeps the set of undominated partial packings ("states", each a token total and a value)
/// and grows the core one item at a time, alternately adding the next item after the break and
/// removing the next item before it.
///
/// - Dominance: a state with more tokens and no more value than another can never finish
///   better (both face the same remaining flips), so it is dropped; identical items collapse.
/// - Bounds: a state under the budget can at best fill the rest at the density of the next item
///   to add; one over it must shed the excess at the density of the next item to remove (the
///   Dantzig bound, valid because items are in density order). States that cannot beat the best
///   packing found are dropped. When no state is left, the best packing is optimal.
///
/// State counts never exceed the budget + 1 (distinct token totals), so even the instances that
/// defeat branch and bound — value proportional to tokens, many ties — finish; easy instances
/// keep a handful of states. Each state remembers its flips through a shared arena of
/// (item, parent) links, so the chosen set is rebuilt without copying.
struct CoreDynamicProgrammingSolver {
    let values: [Double]
    let weights: [Int]
    let capacity: Int

    struct Outcome {
        var chosen: [Int]
        var finished: Bool
        var steps: Int
    }

    private struct State {
        var weight: Int
        var value: Double
        /// Index into the flip arena, or -1 for the break packing itself.
        var flips: Int32
    }

    /// `incumbent` is a feasible packing the answer must not fall below.
    func solve(incumbent: [Int], timeCap: Duration) -> Outcome {
        let n = values.count
        var breakItem = 0
        var breakWeight = 0
        var breakValue = 0.0
        while breakItem < n, breakWeight + weights[breakItem] <= capacity {
            breakWeight += weights[breakItem]
            breakValue += values[breakItem]
            breakItem += 1
        }
        if breakItem == n { return Outcome(chosen: Array(0..<n), finished: true, steps: 0) }
        let density = (0..<n).map { values[$0] / Double(weights[$0]) }

        var best = incumbent.reduce(0.0) { $0 + values[$1] }
        var bestFlips: Int32? = nil
        if breakValue > best {
            best = breakValue
            bestFlips = -1
        }

        var arenaItem: [Int32] = []
        var arenaParent: [Int32] = []
        var states = [State(weight: breakWeight, value: breakValue, flips: -1)]
        var merged: [State] = []
        var nextRemove = breakItem - 1
        var nextAdd = breakItem
        var addTurn = true
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeCap)
        var expired = timeCap <= .zero
        var steps = 0

        while !states.isEmpty, nextRemove >= 0 || nextAdd < n, !expired {
            steps += 1
            let adding = nextAdd < n && (addTurn || nextRemove < 0)
            addTurn.toggle()
            let item = adding ? nextAdd : nextRemove
            if adding { nextAdd += 1 } else { nextRemove -= 1 }
            let deltaWeight = adding ? weights[item] : -weights[item]
            let deltaValue = adding ? values[item] : -values[item]

            // Merge the states with their flipped copies, both sorted by tokens, keeping only
            // undominated states (value strictly rising with tokens).
            merged.removeAll(keepingCapacity: true)
            var i = 0
            var j = 0
            var topValue = -Double.infinity
            while i < states.count || j < states.count {
                let takeOriginal: Bool
                if j == states.count {
                    takeOriginal = true
                } else if i == states.count {
                    takeOriginal = false
                } else {
                    let flippedWeight = states[j].weight + deltaWeight
                    let flippedValue = states[j].value + deltaValue
                    takeOriginal = states[i].weight < flippedWeight
                        || (states[i].weight == flippedWeight && states[i].value >= flippedValue)
                }
                if takeOriginal {
                    let state = states[i]
                    i += 1
                    if state.value > topValue {
                        merged.append(state)
                        topValue = state.value
                    }
                } else {
                    let source = states[j]
                    j += 1
                    let value = source.value + deltaValue
                    if value > topValue {
                        arenaItem.append(Int32(item))
                        arenaParent.append(source.flips)
                        merged.append(State(weight: source.weight + deltaWeight, value: value,
                                            flips: Int32(arenaItem.count - 1)))
                        topValue = value
                    }
                }
            }

            // The best feasible state, then drop every state that cannot beat it.
            for state in merged where state.weight <= capacity && state.value > best {
                best = state.value
                bestFlips = state.flips
            }
            let margin = pruneMargin(best)
            let addDensity = nextAdd < n ? density[nextAdd] : 0
            states.removeAll(keepingCapacity: true)
            for state in merged {
                let bound: Double
                if state.weight <= capacity {
                    bound = state.value + Double(capacity - state.weight) * addDensity
                } else if nextRemove >= 0 {
                    bound = state.value - Double(state.weight - capacity) * density[nextRemove]
                } else {
                    continue
                }
                if bound > best + margin { states.append(state) }
            }
            if steps & 7 == 0 || states.count > 256, clock.now >= deadline { expired = true }
        }

        let finished = states.isEmpty || (nextRemove < 0 && nextAdd >= n)
        guard let bestFlips else { return Outcome(chosen: incumbent, finished: finished, steps: steps) }
        var taken = [Bool](repeating: false, count: n)
        for item in 0..<breakItem { taken[item] = true }
        var link = bestFlips
        while link >= 0 {
            taken[Int(arenaItem[Int(link)])].toggle()
            link = arenaParent[Int(link)]
        }
        return Outcome(chosen: (0..<n).filter { taken[$0] }, finished: finished, steps: steps)
    }
}
