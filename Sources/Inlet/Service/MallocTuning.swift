import Glibc

/// Process-wide glibc malloc settings for `inlet serve` (never set by the library itself).
///
/// glibc serves blocks of 128 KiB and more from their own mappings, but raises that threshold to
/// the size of each such block freed, so after one large body every later 1 MiB parse buffer comes
/// from the heap arenas, which fragment and keep the memory: 300 connections stalling 1 MiB bodies
/// in rounds left the process at 370 MB after the last connection closed, and growing per round.
/// A fixed threshold keeps large buffers in mappings, returned to the system when freed (50 MB).
enum MallocTuning {
    /// `M_MMAP_THRESHOLD` of `<malloc.h>`, which the Glibc module does not import.
    private static let mmapThresholdOption: Int32 = -3

    /// The threshold glibc starts with; fixing it turns the dynamic raise off.
    static let largeBlockBytes: Int32 = 131_072

    /// Serves every allocation of `largeBlockBytes` or more from its own mapping, for good.
    ///
    /// `mallopt` is reached through `dlsym` because Swift's Glibc module does not import
    /// `<malloc.h>`. Returns whether glibc accepted the setting (false on another C library).
    @discardableResult
    static func returnLargeBlocksToTheSystem() -> Bool {
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else {
            return false
        }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        return mallopt(MallocTuning.mmapThresholdOption, MallocTuning.largeBlockBytes) == 1
    }
}
