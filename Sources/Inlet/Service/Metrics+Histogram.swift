import Synchronization

extension Metrics {
    /// One latency histogram series over `Metrics.latencyBuckets`, resolved once and updated with
    /// one short lock (no label text, no registry lookup). Rendered once it has an observation.
    public final class Histogram: Sendable {
        /// Per-bucket counts (not cumulative), the sum of observations and their number.
        struct State: Sendable {
            /// Observations that fell in each bucket of `Metrics.latencyBuckets`, by bucket.
            var counts: [UInt64]
            /// The sum of all observations, in seconds.
            var sum: Double = 0
            /// How many observations there were (those over the last bound included).
            var count: UInt64 = 0
        }

        private let state = Mutex(State(counts: Array(repeating: 0, count: Metrics.latencyBuckets.count)))

        /// An empty histogram, not yet rendered.
        init() {}

        /// Records one observation of `seconds`.
        public func observe(seconds: Double) {
            let bucket = Metrics.latencyBuckets.firstIndex { seconds <= $0 }
            self.state.withLock { state in
                if let bucket {
                    state.counts[bucket] += 1
                }
                state.sum += seconds
                state.count += 1
            }
        }

        /// The counts so far, or nil when there was no observation yet.
        func snapshot() -> State? {
            let state = self.state.withLock { $0 }
            return state.count > 0 ? state : nil
        }
    }
}
