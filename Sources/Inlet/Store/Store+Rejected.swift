extension Store {
    /// The newest rejected deliveries kept; older rows are dropped as new ones arrive.
    public static let maxRejectedRows: Int64 = 10_000

    /// Records a rejected delivery (bad signature, ...) cheaply, batched with other writes.
    ///
    /// Bounded: text fields are truncated (reason 200, address 64, source and environment 128
    /// characters) and only the newest `maxRejectedRows` rows are kept, so a flood cannot fill
    /// the disk.
    /// - Parameters:
    ///   - sourceKey: the source whose path was posted to.
    ///   - environment: that source's environment.
    ///   - reason: why, e.g. `"invalid_signature: timestamp outside tolerance"` (no secret values).
    ///   - remoteAddress: the peer address, when known.
    ///   - sizeBytes: the body size received.
    ///   - atMs: when, ms since the epoch.
    ///   - maxRows: how many of the newest rows to keep (the config's `rejected_log.max_rows`).
    ///   - completion: called after the commit, when given.
    public func recordRejected(
        sourceKey: String,
        environment: String,
        reason: String,
        remoteAddress: String?,
        sizeBytes: Int,
        atMs: Int64,
        maxRows: Int64 = Store.maxRejectedRows,
        completion: (@Sendable (Result<Void, StoreError>) -> Void)? = nil
    ) {
        let values: [SQLValue] = [
            .text(String(environment.prefix(128))),
            .text(String(sourceKey.prefix(128))),
            .text(String(reason.prefix(200))),
            .optional(remoteAddress.map { String($0.prefix(64)) }),
            .integer(Int64(sizeBytes)),
            .integer(atMs),
        ]
        self.write({ transaction in
            try transaction.database.run(
                """
                INSERT INTO rejected_deliveries (environment, source_key, reason, remote_address, size_bytes,
                    received_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                values
            )
            let newest = transaction.database.lastInsertRowID
            try transaction.database.run(
                "DELETE FROM rejected_deliveries WHERE id <= ?",
                [.integer(newest - max(1, maxRows))]
            )
        }) { result in
            completion?(result)
        }
    }
}
