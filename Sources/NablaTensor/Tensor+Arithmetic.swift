/// The elementwise kernels the primitives call. Each passes a literal closure to `zip` or `map`
/// inside this module, so the compiler inlines it into the loop rather than calling a closure per
/// element.
extension Tensor {
  public static func add(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "+") { $0 + $1 }
  }
  public static func subtract(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "-") { $0 - $1 }
  }
  public static func multiply(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "*") { $0 * $1 }
  }
  public static func divide(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "/") { $0 / $1 }
  }
  public static func power(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "^") { Math.pow($0, $1) }
  }
  public static func maximum(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "maximum") { ($0.isNaN || $1.isNaN) ? .nan : Swift.max($0, $1) }
  }
  public static func minimum(_ a: Tensor, _ b: Tensor) throws(ShapeError) -> Tensor {
    try zip(a, b, operation: "minimum") { ($0.isNaN || $1.isNaN) ? .nan : Swift.min($0, $1) }
  }

  public func negated() -> Tensor { map { -$0 } }
  public func relu() -> Tensor { map { $0 > 0 ? $0 : 0 } }
  /// 1 where positive, else 0: relu's derivative (0 at 0).
  public func positiveMask() -> Tensor { map { $0 > 0 ? 1 : 0 } }
  public func leakyRelu(slope: Double) -> Tensor {
    Tensor.selectPositive(self, self) { $0 * slope }
  }

  /// Where `x > 0`, `a`'s entry; elsewhere `negative(a's entry)`: relu-like maps and their
  /// derivatives, four entries at a time with a vector select (a branch on the sign of random
  /// activations is a coin flip the predictor loses, and LLVM turns a scalar ?: into one).
  /// `a` and `x` have the same shape.
  public static func selectPositive(_ a: Tensor, _ x: Tensor, negative: (Double) -> Double) -> Tensor {
    let n = a.count
    let out = [Double](unsafeUninitializedCapacity: n) { po, initialized in
      defer { initialized = n }
      a.data.withUnsafeBufferPointer { pa in
        x.data.withUnsafeBufferPointer { px in
          guard let av = pa.baseAddress, let xv = px.baseAddress, let o = po.baseAddress, px.count >= n else { return }
          var k = 0
          while k + 4 <= n {
            let values = SIMD4(av[k], av[k + 1], av[k + 2], av[k + 3])
            let signs = SIMD4(xv[k], xv[k + 1], xv[k + 2], xv[k + 3])
            let other = SIMD4(negative(values[0]), negative(values[1]), negative(values[2]), negative(values[3]))
            let chosen = other.replacing(with: values, where: signs .> 0)
            for j in 0..<4 { o[k + j] = chosen[j] }
            k += 4
          }
          while k < n {
            o[k] = xv[k] > 0 ? av[k] : negative(av[k])
            k += 1
          }
        }
      }
    }
    return Tensor(uncheckedShape: a.shape, data: out)
  }

  /// The sums of a matrix's columns, adding the rows in order.
  public func columnSums() -> Tensor {
    let (rows, columns) = (shape[0], shape[1])
    var out = [Double](repeating: 0, count: columns)
    out.withUnsafeMutableBufferPointer { po in
      data.withUnsafeBufferPointer { pd in
        guard let o = po.baseAddress, let d = pd.baseAddress else { return }
        for r in 0..<rows {
          let row = d + r * columns
          for j in 0..<columns { o[j] += row[j] }
        }
      }
    }
    return Tensor(uncheckedShape: [columns], data: out)
  }
  /// 1 where positive, else `slope`: leaky relu's derivative.
  public func leakyReluSlopes(_ slope: Double) -> Tensor { map { $0 > 0 ? 1 : slope } }
}
