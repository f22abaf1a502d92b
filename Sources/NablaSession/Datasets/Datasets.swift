import NablaAutodiff
import NablaLanguage
import NablaTensor

/// Datasets that need no network, each as `[X, y]` with 0-based class labels.
public enum Datasets {
  /// Decodes base64 (ignoring whitespace).
  static func base64(_ text: String) -> [UInt8] {
    var table = [UInt8](repeating: 255, count: 256)
    for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
      table[Int(c)] = UInt8(i)
    }
    var out: [UInt8] = []
    var buffer: UInt32 = 0
    var bits = 0
    for c in text.utf8 {
      let v = table[Int(c)]
      if v == 255 { continue }
      buffer = buffer << 6 | UInt32(v)
      bits += 6
      if bits >= 8 {
        bits -= 8
        out.append(UInt8((buffer >> UInt32(bits)) & 0xFF))
      }
    }
    return out
  }

  /// Rows of a numeric CSV whose last column is the label: (X, y).
  static func split(_ table: Tensor) -> (Tensor, Tensor) {
    let (n, columns) = (table.shape[0], table.shape[1])
    var x: [Double] = []
    var y: [Double] = []
    for r in 0..<n {
      x.append(contentsOf: table.data[(r * columns)..<(r * columns + columns - 1)])
      y.append(table.data[r * columns + columns - 1])
    }
    return (Tensor(uncheckedShape: [n, columns - 1], data: x), Tensor(vector: y))
  }

  /// The 8×8 digits: X [1797, 64] with pixels 0–16, y [1797] in 0…9.
  public static func digits() throws -> (Tensor, Tensor) {
    guard let csv = Compression.inflate(base64(digitsGzipBase64), windowBits: 31) else {
      throw DifferentiationError("digits: the embedded data did not decompress")
    }
    return split(try NumpyFormat.decodeCSV(String(decoding: csv, as: UTF8.self)).tensor)
  }

  /// Fisher's iris: X [150, 4], y [150] in 0…2.
  public static func iris() throws -> (Tensor, Tensor) {
    split(try NumpyFormat.decodeCSV(irisCSV).tensor)
  }

  /// The four XOR points and their labels.
  public static func xor() -> (Tensor, Tensor) {
    (Tensor(uncheckedShape: [4, 2], data: [0, 0, 0, 1, 1, 0, 1, 1]), Tensor(vector: [0, 1, 1, 0]))
  }

  /// Two interleaved spirals, n points in all (half per class), with a little noise.
  public static func spirals(_ n: Int, seed: UInt64) -> (Tensor, Tensor) {
    var r = RandomSource(seed: seed)
    var x: [Double] = []
    var y: [Double] = []
    for i in 0..<n {
      let label = i % 2
      let t = Double(i / 2) / Double(max(1, (n + 1) / 2)) * 3 * Double.pi + 0.5
      let sign: Double = label == 0 ? 1 : -1
      x.append(sign * t * Math.cos(t) / 10 + 0.02 * r.normal())
      x.append(sign * t * Math.sin(t) / 10 + 0.02 * r.normal())
      y.append(Double(label))
    }
    return (Tensor(uncheckedShape: [n, 2], data: x), Tensor(vector: y))
  }

  /// Two interleaving half circles (scikit-learn's make_moons), n points in all, Gaussian noise.
  public static func moons(_ n: Int, noise: Double, seed: UInt64) -> (Tensor, Tensor) {
    var r = RandomSource(seed: seed)
    let outer = (n + 1) / 2
    let inner = n - outer
    var x: [Double] = []
    var y: [Double] = []
    for i in 0..<outer {
      let t = outer > 1 ? Double.pi * Double(i) / Double(outer - 1) : 0
      x += [Math.cos(t) + noise * r.normal(), Math.sin(t) + noise * r.normal()]
      y.append(0)
    }
    for i in 0..<inner {
      let t = inner > 1 ? Double.pi * Double(i) / Double(inner - 1) : 0
      x += [1 - Math.cos(t) + noise * r.normal(), 0.5 - Math.sin(t) + noise * r.normal()]
      y.append(1)
    }
    return (Tensor(uncheckedShape: [n, 2], data: x), Tensor(vector: y))
  }

  /// A seeded shuffle of 0..<n.
  public static func permutation(_ n: Int, _ r: inout RandomSource) -> [Int] {
    var p = Array(0..<n)
    if n > 1 {
      for i in stride(from: n - 1, to: 0, by: -1) {
        p.swapAt(i, Int(r.next() % UInt64(i + 1)))
      }
    }
    return p
  }

  /// Rows of `t` in the order of `rows`.
  /// (One copy per row straight into the result: a training step gathers its batch here.)
  /// A row index outside `t` gives a row of zeros.
  public static func rows(_ t: Tensor, _ rows: [Int]) -> Tensor {
    let width = t.rank == 0 ? 1 : t.count / max(t.shape[0], 1)
    let available = t.rank == 0 ? 1 : t.shape[0]
    let data = [Double](unsafeUninitializedCapacity: rows.count * width) { out, initialized in
      defer { initialized = rows.count * width }
      guard let base = out.baseAddress else { return }
      t.data.withUnsafeBufferPointer { source in
        for (i, r) in rows.enumerated() {
          if r >= 0 && r < available, let from = source.baseAddress {
            // A label per row is one number: a copy call each would cost more than the copy.
            if width == 1 {
              base[i] = from[r]
            } else {
              (base + i * width).initialize(from: from + r * width, count: width)
            }
          } else {
            (base + i * width).initialize(repeating: 0, count: width)
          }
        }
      }
    }
    return Tensor(uncheckedShape: [rows.count] + Array(t.shape.dropFirst()), data: data)
  }
}
