import Synchronization

extension Metrics {
    /// One counter or gauge series, resolved once and updated without a registry lookup.
    ///
    /// The value is a `Double` kept as its bit pattern in an atomic, so an update is one
    /// compare-and-swap and never builds label text. A series is rendered only after its first
    /// update, exactly as when it is created by that update.
    public final class Counter: Sendable {
        /// The value's `Double.bitPattern`.
        private let bits = Atomic<UInt64>(0)

        /// Whether the series was ever updated (and so is rendered).
        private let touched = Atomic<Bool>(false)

        /// A series at zero, not yet rendered.
        init() {}

        /// Adds `amount` (1 by default).
        public func increment(by amount: Double = 1) {
            var current = self.bits.load(ordering: .relaxed)
            while true {
                let next = (Double(bitPattern: current) + amount).bitPattern
                let (exchanged, original) = self.bits.compareExchange(
                    expected: current,
                    desired: next,
                    ordering: .relaxed
                )
                if exchanged {
                    break
                }
                current = original
            }
            self.markTouched()
        }

        /// Replaces the value (gauges).
        func set(_ value: Double) {
            self.bits.store(value.bitPattern, ordering: .relaxed)
            self.markTouched()
        }

        /// The value, or nil when the series was never updated.
        public var value: Double? {
            guard self.touched.load(ordering: .acquiring) else {
                return nil
            }
            return Double(bitPattern: self.bits.load(ordering: .relaxed))
        }

        /// Marks the series as updated; a plain load first, so the common case writes nothing.
        private func markTouched() {
            if !self.touched.load(ordering: .relaxed) {
                self.touched.store(true, ordering: .releasing)
            }
        }
    }
}
