import CZlib

/// gzip (RFC 1952) for HTTP bodies, on zlib. The only file that imports `CZlib`.
public enum Gzip {
    /// Why a gzip body could not be decoded.
    public enum Failure: Error, Sendable, Equatable {
        /// The decoded bytes would exceed the limit (a compression bomb, or just too big): `413`.
        case tooLarge(limit: Int)

        /// Not valid gzip: bad header, bad checksum, truncated, trailing garbage: `400`.
        case corrupt(String)
    }

    /// Size of each output step; the limit is checked after every step.
    private static let stepBytes = 32_768

    /// Decodes gzip data (one member or several concatenated), stopping as soon as the output
    /// would exceed `limit` bytes, so memory use stays under `limit` plus one step.
    ///
    /// - Throws: `Gzip.Failure.tooLarge` past the limit, `.corrupt` for anything not valid gzip.
    public static func inflate(_ bytes: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        guard !bytes.isEmpty else {
            throw .corrupt("empty gzip body")
        }

        var stream = z_stream()
        // 16 + 15: gzip wrapper only, 32 KiB window (zlib.h, inflateInit2).
        guard inlet_inflate_init2(&stream, 16 + MAX_WBITS) == Z_OK else {
            throw .corrupt("zlib could not start")
        }
        defer { inflateEnd(&stream) }

        var output: [UInt8] = []
        var step = [UInt8](repeating: 0, count: Self.stepBytes)
        let outcome: Result<Void, Failure> = bytes.withUnsafeBufferPointer { input in
            stream.next_in = input.baseAddress
            stream.avail_in = uInt(input.count)
            while true {
                let produced: Int
                let status: Int32 = step.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    let code = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return code
                }
                produced = Self.stepBytes - Int(stream.avail_out)
                guard output.count + produced <= limit else {
                    return .failure(.tooLarge(limit: limit))
                }
                output.append(contentsOf: step[0..<produced])

                switch status {
                case Z_STREAM_END:
                    guard stream.avail_in > 0 else {
                        return .success(())
                    }
                    // Another gzip member may follow (RFC 1952 section 2.2).
                    guard inflateReset(&stream) == Z_OK else {
                        return .failure(.corrupt("zlib could not restart"))
                    }
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    if stream.avail_in == 0 {
                        return .failure(.corrupt("gzip data is truncated"))
                    }
                    if produced == 0 {
                        return .failure(.corrupt("gzip data makes no progress"))
                    }
                default:
                    return .failure(.corrupt("invalid gzip data"))
                }
            }
        }
        try outcome.get()
        return output
    }

    /// Encodes `bytes` as one gzip member at the default compression level.
    ///
    /// - Returns: the gzip bytes, or nil when zlib cannot start (out of memory) or the input is
    ///   over 4 GiB; the caller then sends the bytes uncompressed.
    public static func deflate(_ bytes: [UInt8]) -> [UInt8]? {
        guard bytes.count < Int(UInt32.max) else {
            return nil
        }

        var stream = z_stream()
        guard inlet_deflate_init2(&stream, Z_DEFAULT_COMPRESSION, 16 + MAX_WBITS) == Z_OK else {
            return nil
        }
        defer { deflateEnd(&stream) }

        // deflateBound, called after deflateInit2, covers the gzip wrapper, so one Z_FINISH
        // call with this much room completes the stream (zlib.h, deflateBound).
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))))
        let code: Int32 = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = input.baseAddress
                stream.avail_in = uInt(input.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard code == Z_STREAM_END else {
            return nil
        }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }
}
