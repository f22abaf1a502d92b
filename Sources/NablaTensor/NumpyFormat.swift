/// NumPy's `.npy` format (any real, integer or bool dtype, either byte order, C or Fortran
/// order, read as Double) and `.npz` archives (stored or deflated members).
public enum NumpyFormat {
  public struct FormatError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
  }

  static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

  // MARK: .npy

  public static func decodeArray(_ bytes: [UInt8]) throws(FormatError) -> Tensor {
    guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw FormatError("not a .npy file (bad magic)") }
    let major = bytes[6]
    let headerLength: Int
    let headerStart: Int
    if major == 1 {
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      headerStart = 10
    } else {
      guard bytes.count >= 12 else { throw FormatError("truncated .npy header") }
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      headerStart = 12
    }
    guard headerStart + headerLength <= bytes.count else { throw FormatError("truncated .npy header") }
    let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
    guard let descr = field(header, "descr"), let shapeText = field(header, "shape") else {
      throw FormatError("the .npy header has no descr or shape: \(header)")
    }
    let fortran = field(header, "fortran_order")?.hasPrefix("True") ?? false
    let dims = try shape(shapeText)
    guard let count = Tensor.elementCount(dims), (try? Tensor.checkExtent(dims, operation: "load")) != nil,
      count <= ElementLimit.current
    else {
      throw FormatError("the shape \(shapeText) is too large (at most \(ElementLimit.current) elements)")
    }
    if let shortfall = MemoryBudget.shortfall(count * MemoryLayout<Double>.stride) {
      throw FormatError("the shape \(shapeText) \(shortfall)")
    }
    let type = descr.trimmingQuotes()
    guard let kind = type.dropFirst().first, let size = Int(type.dropFirst(2)) else {
      throw FormatError("unsupported dtype \(type)")
    }
    guard [1, 2, 4, 8].contains(size) else { throw FormatError("unsupported dtype \(type)") }
    let bigEndian = type.first == ">"
    let start = headerStart + headerLength
    guard bytes.count - start >= count * size else {
      throw FormatError("the .npy data is shorter than its shape needs")
    }
    var values = [Double](repeating: 0, count: count)
    for i in 0..<count {
      // Ctrl-C stops a large file between millions of values.
      if i & 0xF_FFFF == 0, Interruption.isPending, Interruption.take() { throw FormatError("interrupted") }
      var raw: UInt64 = 0
      for b in 0..<size {
        let byte = UInt64(bytes[start + i * size + (bigEndian ? size - 1 - b : b)])
        raw |= byte << (8 * UInt64(b))
      }
      switch (kind, size) {
      case ("f", 8): values[i] = Double(bitPattern: raw)
      case ("f", 4): values[i] = Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))
      case ("f", 2): values[i] = Double(Float16(bitPattern: UInt16(truncatingIfNeeded: raw)))
      case ("i", 8): values[i] = Double(Int64(bitPattern: raw))
      case ("i", 4): values[i] = Double(Int32(truncatingIfNeeded: raw))
      case ("i", 2): values[i] = Double(Int16(truncatingIfNeeded: raw))
      case ("i", 1): values[i] = Double(Int8(truncatingIfNeeded: raw))
      case ("u", _) where size <= 8: values[i] = Double(raw)
      case ("b", 1): values[i] = raw == 0 ? 0 : 1
      default: throw FormatError("unsupported dtype \(type): real, integer and bool dtypes load")
      }
    }
    let t = Tensor(uncheckedShape: fortran ? dims.reversed() : dims, data: values)
    guard fortran else { return t }
    do {
      return try t.permuted(Array((0..<dims.count).reversed()))
    } catch {
      throw FormatError(error.description)
    }
  }

  /// `'descr': '<f8'` → `'<f8'`, from a header dictionary.
  /// The dimensions of a header's shape tuple, each a whole number (`(2**70,)` or `(2.5,)` is an
  /// error, not a scalar).
  static func shape(_ text: String) throws(FormatError) -> [Int] {
    let inner = text.trimmingSpaces()
    guard inner.hasPrefix("("), inner.hasSuffix(")") else { throw FormatError("the shape \(text) is not a tuple") }
    var dims: [Int] = []
    for part in inner.dropFirst().dropLast().split(separator: ",") {
      let field = String(part).trimmingSpaces()
      if field.isEmpty { continue }
      guard field.allSatisfy({ $0.isASCII && $0.isNumber }), let d = Int(field) else {
        throw FormatError("the shape \(text) has \(field), not a whole number that fits in 64 bits")
      }
      dims.append(d)
    }
    return dims
  }

  /// The element count and data size an `.npy` header declares, from the first bytes of the
  /// file: a file claiming more than the limit or the memory available is refused before it is
  /// read whole.
  public static func declaredData(_ prefix: [UInt8]) throws(FormatError) -> (count: Int, bytes: Int, dataStart: Int) {
    guard prefix.count >= 12, Array(prefix[0..<6]) == magic else { throw FormatError("not a .npy file (bad magic)") }
    let (headerStart, headerLength) =
      prefix[6] == 1
      ? (10, Int(prefix[8]) | Int(prefix[9]) << 8)
      : (12, Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24)
    guard headerStart + headerLength <= prefix.count else { throw FormatError("truncated .npy header") }
    let header = String(decoding: prefix[headerStart..<(headerStart + headerLength)], as: UTF8.self)
    guard let descr = field(header, "descr"), let shapeText = field(header, "shape") else {
      throw FormatError("the .npy header has no descr or shape: \(header)")
    }
    let dims = try shape(shapeText)
    guard let count = Tensor.elementCount(dims), count <= ElementLimit.current else {
      throw FormatError("the shape \(shapeText) is too large (at most \(ElementLimit.current) elements)")
    }
    let size = Int(descr.trimmingQuotes().dropFirst(2)) ?? 8
    return (count, count * Swift.max(size, 1), headerStart + headerLength)
  }

  static func field(_ header: String, _ key: String) -> String? {
    guard let keyRange = header.firstRange(of: "'\(key)'") else { return nil }
    var rest = header[keyRange.upperBound...].drop(while: { $0 == " " || $0 == ":" })
    if rest.hasPrefix("(") {
      guard let close = rest.firstIndex(of: ")") else { return nil }
      return String(rest[...close])
    }
    rest = rest.prefix { $0 != "," && $0 != "}" }
    return String(rest).trimmingSpaces()
  }

  public static func encodeArray(_ t: Tensor) -> [UInt8] {
    let shape = t.shape.count == 1 ? "(\(t.shape[0]),)" : "(" + t.shape.map(String.init).joined(separator: ", ") + ")"
    var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }"
    // Pad so the data starts on a multiple of 64 bytes, ending the header with a newline.
    let total = 10 + header.utf8.count + 1
    header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
    var bytes = magic + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
    bytes.append(contentsOf: header.utf8)
    bytes.reserveCapacity(bytes.count + t.count * 8)
    for v in t.data {
      var bits = v.bitPattern.littleEndian
      withUnsafeBytes(of: &bits) { bytes.append(contentsOf: $0) }
    }
    return bytes
  }

  // MARK: .npz

  /// The members of a zip archive of `.npy` files, in archive order, with their names.
  public static func decodeArchive(_ bytes: [UInt8]) throws(FormatError) -> [(name: String, tensor: Tensor)] {
    func u16(_ at: Int) -> Int { at + 1 < bytes.count ? Int(bytes[at]) | Int(bytes[at + 1]) << 8 : 0 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    guard bytes.count >= 22 else { throw FormatError("not a .npz file (too short)") }
    var end = bytes.count - 22
    while end >= 0 && u32(end) != 0x0605_4b50 { end -= 1 }
    guard end >= 0 else { throw FormatError("not a .npz file (no zip directory)") }
    let entries = u16(end + 10)
    var position = u32(end + 16)
    var members: [(String, Tensor)] = []
    for _ in 0..<entries {
      guard u32(position) == 0x0201_4b50 else { throw FormatError("damaged zip directory") }
      let method = u16(position + 10)
      let compressed = u32(position + 20)
      let size = u32(position + 24)
      let nameLength = u16(position + 28)
      let extra = u16(position + 30)
      let comment = u16(position + 32)
      let local = u32(position + 42)
      guard position + 46 + nameLength <= bytes.count else { throw FormatError("damaged zip directory") }
      var name = String(decoding: bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
      position += 46 + nameLength + extra + comment
      guard u32(local) == 0x0403_4b50 else { throw FormatError("damaged zip member \(name)") }
      let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
      guard dataStart + compressed <= bytes.count else { throw FormatError("truncated zip member \(name)") }
      // The directory's size is checked before anything is reserved, and inflation stops at it.
      let largest = ElementLimit.current * MemoryLayout<Double>.stride + (1 << 20)
      guard size <= largest else {
        throw FormatError(
          "zip member \(name) claims \(MemoryBudget.describe(size)), more than any array nabla can hold")
      }
      if let shortfall = MemoryBudget.shortfall(size) { throw FormatError("zip member \(name) \(shortfall)") }
      let raw = Array(bytes[dataStart..<(dataStart + compressed)])
      let content: [UInt8]
      switch method {
      case 0: content = raw
      case 8:
        // The member's own header first: its shape must need exactly the size the directory
        // says, before the whole member is inflated.
        if let head = Compression.inflate(raw, windowBits: -15, prefix: 1 << 16), name.hasSuffix(".npy") {
          let declared = try declaredData(head)
          guard declared.dataStart + declared.bytes == size else {
            throw FormatError(
              "zip member \(name): its header's shape needs \(declared.dataStart + declared.bytes) bytes, the archive says \(size)"
            )
          }
        }
        guard let inflated = Compression.inflate(raw, windowBits: -15, expectedSize: size) else {
          throw FormatError("cannot inflate zip member \(name)")
        }
        content = inflated
      default: throw FormatError("zip member \(name) uses compression method \(method)")
      }
      if name.hasSuffix(".npy") { name.removeLast(4) }
      members.append((name, try decodeArray(content)))
    }
    return members
  }

  /// A zip archive (stored members) of `.npy` files, as `np.savez` writes.
  public static func encodeArchive(_ members: [(name: String, tensor: Tensor)]) -> [UInt8] {
    var out: [UInt8] = []
    var directory: [UInt8] = []
    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16((v >> 16) & 0xFFFF) }
    for (name, tensor) in members {
      let data = encodeArray(tensor)
      let fileName = Array((name + ".npy").utf8)
      let crc = Int(Compression.crc32(data))
      let offset = out.count
      let common =
        le16(20) + le16(0) + le16(0) + le16(0) + le16(0x21) + le32(crc) + le32(data.count) + le32(data.count)
        + le16(fileName.count) + le16(0)
      out += le32(0x0403_4b50) + common + fileName + data
      directory +=
        le32(0x0201_4b50) + le16(20) + common + le16(0) + le16(0) + le16(0) + le32(0) + le32(offset) + fileName
    }
    let directoryOffset = out.count
    out += directory
    out +=
      le32(0x0605_4b50) + le16(0) + le16(0) + le16(members.count) + le16(members.count) + le32(directory.count)
      + le32(directoryOffset) + le16(0)
    return out
  }

  // MARK: CSV

  /// A numeric CSV as a matrix. A UTF-8 byte-order mark is skipped; the first row is a header
  /// only when it is not numeric (`header` then holds it, for a note). An empty cell is an error
  /// naming its row and column, as NumPy's `loadtxt`, or `missing` (NaN, say) when given.
  public static func decodeCSV(_ text: String, missing: Double? = nil) throws(FormatError) -> (
    tensor: Tensor, header: String?
  ) {
    var data: [Double] = []
    var columns: Int? = nil
    var header: String? = nil
    var row: [Double] = []
    /// A line's values into `row`, or false for a line to skip (blank, or the header).
    func general(_ line: String, _ k: Int) throws(FormatError) -> Bool {
      let trimmed = line.trimmingSpaces()
      if trimmed.isEmpty { return false }
      let cells = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
      for (column, cell) in cells.enumerated() {
        if let v = Double(cell) {
          row.append(v)
        } else if cell.isEmpty, let missing {
          row.append(missing)
        } else if columns == nil && header == nil && !cells.contains(where: { Double($0) != nil }) {
          // A first row with no number in it names the columns.
          header = trimmed
          return false
        } else if cell.isEmpty {
          throw FormatError(
            "row \(k + 1), column \(column + 1) is empty (load(path, missing: nan) reads empty cells as NaN)")
        } else {
          throw FormatError("row \(k + 1), column \(column + 1) holds \"\(cell)\", which is not a number")
        }
      }
      return !row.isEmpty
    }
    // Lines end at "\n" bytes ("\r\n" leaves a "\r", white space, as the Character split did).
    // A line of ASCII numbers is read from its bytes: trimming by Unicode properties and
    // splitting by grapheme clusters took most of the time of digits(). Any other line (a
    // header, an empty or bad cell, non-ASCII text) goes through `general`.
    let bytes = Array(text.utf8)
    var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    var k = 0
    while start <= bytes.count {
      if k & 0xFFF == 0, Interruption.isPending, Interruption.take() { throw FormatError("interrupted") }
      let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
      let line = bytes[start..<end]
      row.removeAll(keepingCapacity: true)
      let kept: Bool
      if let values = asciiNumbers(line, into: &row) {
        kept = values
      } else {
        row.removeAll(keepingCapacity: true)
        kept = try general(String(decoding: line, as: UTF8.self), k)
      }
      if kept {
        if let columns, columns != row.count {
          throw FormatError("row \(k + 1) has \(row.count) values, the first row has \(columns)")
        }
        columns = row.count
        data += row
      }
      start = end + 1
      k += 1
    }
    let width = columns ?? 0
    return (Tensor(uncheckedShape: [width == 0 ? 0 : data.count / width, width], data: data), header)
  }

  /// The numbers of an ASCII line of comma-separated numbers, appended to `row`: true, or false
  /// for a blank line; nil for any other line.
  private static func asciiNumbers(_ line: ArraySlice<UInt8>, into row: inout [Double]) -> Bool? {
    // Unicode's white space in ASCII: tab, line feed, vertical tab, form feed, return, space.
    func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
    guard line.allSatisfy({ $0 < 0x80 }) else { return nil }
    guard let first = line.firstIndex(where: { !isSpace($0) }), let last = line.lastIndex(where: { !isSpace($0) })
    else { return false }
    var cellStart = first
    while cellStart <= last {
      let cellEnd = line[cellStart...last].firstIndex(of: 0x2C) ?? last + 1
      let cell = line[cellStart..<cellEnd]
      guard let from = cell.firstIndex(where: { !isSpace($0) }), let to = cell.lastIndex(where: { !isSpace($0) }),
        let value = Double(String(decoding: cell[from...to], as: UTF8.self))
      else { return nil }
      row.append(value)
      // A comma that ends the line leaves an empty last cell, which `general` reports.
      if cellEnd == last { return nil }
      cellStart = cellEnd + 1
    }
    return true
  }
}

extension String {
  /// The text without leading and trailing white space.
  public func trimmingSpaces() -> String {
    let scalars = unicodeScalars
    guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
      let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
    else { return "" }
    return String(scalars[start...end])
  }

  func trimmingQuotes() -> String {
    var s = Substring(self)
    while s.first == "'" || s.first == "\"" { s = s.dropFirst() }
    while s.last == "'" || s.last == "\"" { s = s.dropLast() }
    return String(s)
  }
}
