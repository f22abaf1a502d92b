import CZlib

/// zlib, for `.npz` archives (deflated members) and the gzip-compressed datasets.
public enum Compression {
  /// Inflates raw deflate data (`windowBits` −15), zlib (15) or gzip (31).
  /// - Parameters:
  ///   - expectedSize: the size the data declares; more than that is an error (nil).
  ///   - prefix: only the first this many bytes are wanted (a header to check first).
  public static func inflate(_ input: [UInt8], windowBits: Int32, expectedSize: Int? = nil, prefix: Int? = nil)
    -> [UInt8]?
  {
    var stream = z_stream()
    guard inflateInit2_(&stream, windowBits, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
      return nil
    }
    defer { inflateEnd(&stream) }
    var output = [UInt8]()
    output.reserveCapacity(Swift.min(prefix ?? expectedSize ?? input.count * 4, 1 << 26))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    var input = input
    return input.withUnsafeMutableBufferPointer { source -> [UInt8]? in
      stream.next_in = source.baseAddress
      stream.avail_in = UInt32(source.count)
      while true {
        let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
          stream.next_out = buffer.baseAddress
          stream.avail_out = UInt32(buffer.count)
          return CZlib.inflate(&stream, Z_NO_FLUSH)
        }
        let produced = chunk.count - Int(stream.avail_out)
        // Never past the declared size: a member that inflates beyond it is damaged (or hostile).
        if let expectedSize, output.count + produced > expectedSize { return nil }
        output.append(contentsOf: chunk[0..<produced])
        if let prefix, output.count >= prefix { return Array(output.prefix(prefix)) }
        if status == Z_STREAM_END { return output }
        if status != Z_OK && !(status == Z_BUF_ERROR && produced > 0) { return nil }
        if stream.avail_in == 0 && produced == 0 { return nil }
      }
    }
  }

  /// The CRC-32 a zip archive records for each member.
  public static func crc32(_ bytes: [UInt8]) -> UInt32 {
    bytes.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, UInt32($0.count))) }
  }
}
