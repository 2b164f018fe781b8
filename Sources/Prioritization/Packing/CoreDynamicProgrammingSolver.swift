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

    /// One flip in a state's history: the item, and the flip before it (-1 at the break packing).
    private struct Flip {
        var item: Int32
        var parent: Int32
    }

    /// A growable array of states without per-element checks; the solver frees it.
    private struct StateBuffer {
        private var base = UnsafeMutablePointer<State>.allocate(capacity: 64)
        private var capacity = 64
        private(set) var count = 0

        subscript(index: Int) -> State {
            get { base[index] }
        }

        mutating func removeAll(reserving minimum: Int) {
            count = 0
            guard minimum > capacity else { return }
            base.deallocate()
            capacity = max(minimum, capacity * 2)
            base = UnsafeMutablePointer<State>.allocate(capacity: capacity)
        }

        /// Within the capacity reserved by `removeAll(reserving:)`.
        mutating func append(_ state: State) {
            assert(count < capacity)
            (base + count).initialize(to: state)
            count += 1
        }

        func release() { base.deallocate() }
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
        // `lightestFrom[i]`: the smallest weight among items i..<n (Int.max past the end). A
        // state with less room than that cannot add anything without first removing.
        var lightestFrom = [Int](repeating: Int.max, count: n + 1)
        for item in stride(from: n - 1, through: 0, by: -1) {
            lightestFrom[item] = min(weights[item], lightestFrom[item + 1])
        }

        var best = incumbent.reduce(0.0) { $0 + values[$1] }
        var bestFlips: Int32? = nil
        if breakValue > best {
            best = breakValue
            bestFlips = -1
        }

        var arena: [Flip] = []
        // Two buffers of states with explicit counts, read and written through pointers: the
        // merge below runs once per state per step (~280k times on a fresh 10k-resource session
        // at 128k tokens), and array appends with their uniqueness and bounds checks were most
        // of the solver's time.
        var states = StateBuffer()
        var merged = StateBuffer()
        defer { states.release(); merged.release() }
        states.append(State(weight: breakWeight, value: breakValue, flips: -1))
        var nextRemove = breakItem - 1
        var nextAdd = breakItem
        var addTurn = true
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeCap)
        var expired = timeCap <= .zero
        var steps = 0

        while states.count > 0, nextRemove >= 0 || nextAdd < n, !expired {
            steps += 1
            if nextRemove < 0 {
                // Only additions are left: items too heavy for every state's room change nothing.
                var room = 0
                for index in 0..<states.count where states[index].weight <= capacity {
                    room = max(room, capacity - states[index].weight)
                }
                while nextAdd < n, weights[nextAdd] > room { nextAdd += 1 }
                if nextAdd == n { break }
            }
            let adding = nextAdd < n && (addTurn || nextRemove < 0)
            addTurn.toggle()
            let item = adding ? nextAdd : nextRemove
            if adding { nextAdd += 1 } else { nextRemove -= 1 }
            let deltaWeight = adding ? weights[item] : -weights[item]
            let deltaValue = adding ? values[item] : -values[item]

            // Merge the states with their flipped copies, both sorted by tokens, keeping only
            // undominated states (value strictly rising with tokens).
            merged.removeAll(reserving: 2 * states.count)
            var i = 0
            var j = 0
            var topValue = -Double.infinity
            let count = states.count
            while i < count || j < count {
                let takeOriginal: Bool
                if j == count {
                    takeOriginal = true
                } else if i == count {
                    takeOriginal = false
                } else {
                    let flippedWeight = states[j].weight + deltaWeight
                    takeOriginal = states[i].weight < flippedWeight
                        || (states[i].weight == flippedWeight && states[i].value >= states[j].value + deltaValue)
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
                        arena.append(Flip(item: Int32(item), parent: source.flips))
                        merged.append(State(weight: source.weight + deltaWeight, value: value,
                                            flips: Int32(arena.count - 1)))
                        topValue = value
                    }
                }
            }

            // Values rise with tokens, so the best feasible state is the heaviest one that fits.
            var lastFitting = merged.count - 1
            while lastFitting >= 0, merged[lastFitting].weight > capacity { lastFitting -= 1 }
            if lastFitting >= 0, merged[lastFitting].value > best {
                best = merged[lastFitting].value
                bestFlips = merged[lastFitting].flips
            }
            let margin = pruneMargin(best)
            // Martello–Toth bounds: branch on the next item to add (or remove), then Dantzig on
            // each side. With a = nextAdd, b = nextRemove: every undecided item to add has density
            // at most d[a] (after a: at most d[a+1]); every one to remove at least d[b] (before b:
            // at least d[b-1]), and d[b] ≥ d[a].
            let a = nextAdd
            let b = nextRemove
            let addDensity = a < n ? density[a] : 0
            let afterAddDensity = a + 1 < n ? density[a + 1] : 0
            let removeDensity = b >= 0 ? density[b] : .infinity
            let beforeRemoveDensity = b >= 1 ? density[b - 1] : .infinity
            let lightest = lightestFrom[a]
            let threshold = best + margin
            states.removeAll(reserving: merged.count)
            for index in 0..<merged.count {
                let state = merged[index]
                var bound: Double
                if state.weight <= capacity {
                    let room = capacity - state.weight
                    if a < n, room < weights[a] {
                        // Skip a: fill at d[a+1]. Take a: shed the overflow at d[b] (impossible without b).
                        bound = state.value + Double(room) * afterAddDensity
                        if b >= 0 {
                            bound = max(bound, state.value + values[a] - Double(weights[a] - room) * removeDensity)
                        }
                    } else {
                        bound = state.value + Double(room) * addDensity
                    }
                    if room < lightest {
                        // Nothing fits as is: either stay (value), or remove x ≥ lightest − room
                        // at d[b] or more and add at most room + x at d[a] or less, best at the
                        // smallest x.
                        var tight = state.value
                        if b >= 0, lightest != Int.max {
                            tight = max(tight, state.value + Double(lightest) * addDensity
                                - Double(lightest - room) * removeDensity)
                        }
                        bound = min(bound, tight)
                    }
                } else if b >= 0 {
                    let excess = state.weight - capacity
                    // Keep b: shed the excess at d[b-1]. Drop b: then fill or shed the rest.
                    bound = b >= 1 ? state.value - Double(excess) * beforeRemoveDensity : -.infinity
                    let shed = state.value - values[b]
                    let rest = weights[b] - excess
                    let dropped = rest >= 0 ? shed + Double(rest) * addDensity
                        : (b >= 1 ? shed - Double(-rest) * beforeRemoveDensity : -.infinity)
                    bound = max(bound, dropped)
                } else {
                    continue
                }
                if bound > threshold { states.append(state) }
            }
            if steps & 7 == 0 || states.count > 256, clock.now >= deadline { expired = true }
        }

        let finished = states.count == 0 || (nextRemove < 0 && nextAdd >= n)
        guard let bestFlips else { return Outcome(chosen: incumbent, finished: finished, steps: steps) }
        var taken = [Bool](repeating: false, count: n)
        for item in 0..<breakItem { taken[item] = true }
        var link = bestFlips
        while link >= 0 {
            taken[Int(arena[Int(link)].item)].toggle()
            link = arena[Int(link)].parent
        }
        return Outcome(chosen: (0..<n).filter { taken[$0] }, finished: finished, steps: steps)
    }
}
