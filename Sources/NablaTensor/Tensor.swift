/// A dense n-dimensional array of `Double` in contiguous row-major storage.
///
/// Rank 0 is a scalar (`shape == []`, one element). Tensors are values: copying one shares its
/// storage until either copy is written (copy-on-write through `Array`).
public struct Tensor: Sendable, Equatable {
  /// The size of each axis, outermost first.
  public let shape: [Int]
  /// The elements in row-major order; `data.count == shape.product`.
  public var data: [Double]

  /// Creates a tensor from a shape and row-major data whose count the caller has checked.
  @inlinable
  public init(uncheckedShape shape: [Int], data: [Double]) {
    self.shape = shape
    self.data = data
  }

  /// Creates a tensor, checking that `data` holds exactly one element per index of `shape`.
  public init(shape: [Int], data: [Double]) throws(ShapeError) {
    guard shape.allSatisfy({ $0 >= 0 }), let count = Tensor.elementCount(shape), count == data.count
    else {
      throw ShapeError(
        operation: "tensor", shapes: [shape],
        rule: "shape \(Tensor.describe(shape)) needs \(Tensor.elementCount(shape) ?? -1) values, got \(data.count)")
    }
    self.shape = shape
    self.data = data
  }

  /// A rank-0 tensor holding `value`.
  @inlinable
  public init(scalar value: Double) {
    self.shape = []
    self.data = [value]
  }

  /// A rank-1 tensor holding `values`.
  public init(vector values: [Double]) {
    self.shape = [values.count]
    self.data = values
  }

  /// A tensor of `shape` with every element equal to `value`.
  public init(repeating value: Double, shape: [Int]) {
    self.shape = shape
    self.data = [Double](repeating: value, count: Tensor.elementCount(shape) ?? 0)
  }

  public var rank: Int { shape.count }
  public var count: Int { data.count }
  public var isScalar: Bool { shape.isEmpty }

  /// The single value of a tensor with one element (any rank), or nil.
  public var scalarValue: Double? { data.count == 1 ? data[0] : nil }

  /// Row-major strides, in elements.
  public var strides: [Int] { Tensor.strides(for: shape) }

  public static func strides(for shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for axis in stride(from: shape.count - 1, through: 0, by: -1) {
      strides[axis] = running
      running &*= Swift.max(shape[axis], 1)
    }
    return strides
  }

  /// The most elements one result may have (2 GiB of Doubles unless the thread's
  /// `ElementLimit` is lower): past it an operation is an error naming the shape, not an
  /// allocation failure that ends the process.
  public static var maximumElements: Int { ElementLimit.current }

  /// Throws unless `shape` has at most `maximumElements` elements, counting empty axes as 1
  /// (an empty result with huge other axes would overflow the index arithmetic of what follows).
  public static func checkSize(_ shape: [Int], operation: String) throws(ShapeError) {
    guard let n = elementCount(shape), n <= maximumElements else {
      throw ShapeError(
        operation: operation, shapes: [shape],
        rule: "the result would have shape \(describe(shape)), more than \(maximumElements) elements")
    }
    try checkExtent(shape, operation: operation)
    if let shortfall = MemoryBudget.shortfall(n * MemoryLayout<Double>.stride) {
      throw ShapeError(
        operation: operation, shapes: [shape], rule: "the result of shape \(describe(shape)) \(shortfall)")
    }
  }

  /// The most axes a tensor may have (NumPy 2's NPY_MAXDIMS).
  public static let maximumRank = 64

  /// Throws unless the product of `max(size, 1)` over `shape` is at most `maximumElements`: an
  /// empty tensor with a huge other axis would otherwise overflow index arithmetic downstream.
  public static func checkExtent(_ shape: [Int], operation: String) throws(ShapeError) {
    // NumPy's limit on axes: a shape of thousands of axes is a typo, and would make every
    // index computation cost thousands of steps.
    guard shape.count <= maximumRank else {
      throw ShapeError(
        operation: operation, shapes: [],
        rule: "a tensor may have at most \(maximumRank) axes (as in NumPy), and this shape has \(shape.count)")
    }
    var extent = 1
    for size in shape {
      let (p, overflow) = extent.multipliedReportingOverflow(by: Swift.max(size, 1))
      guard !overflow, p <= maximumElements, size >= 0 else {
        throw ShapeError(
          operation: operation, shapes: [shape],
          rule: "shape \(describe(shape)) is too large (at most \(maximumElements) elements, counting empty axes as 1)")
      }
      extent = p
    }
  }

  /// The number of elements of `shape`, or nil when it overflows `Int`.
  public static func elementCount(_ shape: [Int]) -> Int? {
    var total = 1
    for size in shape {
      let (product, overflow) = total.multipliedReportingOverflow(by: size)
      if overflow || size < 0 { return nil }
      total = product
    }
    return total
  }

  /// `[2, 3]`, the way shapes appear in messages and headers.
  public static func describe(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
  }

  /// Resolves a possibly negative axis against `rank`, or throws naming the operation.
  public static func normalizeAxis(_ axis: Int, rank: Int, operation: String) throws(ShapeError) -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    guard resolved >= 0, resolved < Swift.max(rank, 0) else {
      throw ShapeError(
        operation: operation, shapes: [],
        rule: "axis \(axis) is out of range for a tensor of rank \(rank)")
    }
    return resolved
  }

  /// True when every element is a finite whole number.
  public var isIntegral: Bool {
    data.allSatisfy { $0.isFinite && $0.rounded() == $0 }
  }
}

/// A shape rule that an operation's operands broke.
public struct ShapeError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The operation, as a user would name it (`@`, `+`, `reshape`).
  public var operation: String
  /// The shapes of the operands, in order.
  public var shapes: [[Int]]
  /// The rule that failed, in words (`inner dimensions 4 and 3 differ`).
  public var rule: String

  public init(operation: String, shapes: [[Int]], rule: String) {
    self.operation = operation
    self.shapes = shapes
    self.rule = rule
  }

  public var description: String {
    if shapes.isEmpty { return "\(operation): \(rule)" }
    return "\(operation): shapes " + shapes.map(Tensor.describe).joined(separator: " and ") + "; \(rule)"
  }
}
