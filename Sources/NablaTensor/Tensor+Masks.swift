/// Constant 0/1 matrices used by rules and builtins.
extension Tensor {
  /// The rows × cols matrix with ones where j = i + offset (NumPy's eye(m, n, k)).
  public static func eye(rows: Int, cols: Int, offset: Int = 0) -> Tensor {
    var t = Tensor(repeating: 0, shape: [rows, cols])
    for i in 0..<rows where i + offset >= 0 && i + offset < cols { t.data[i * cols + i + offset] = 1 }
    return t
  }

  /// The rows × cols matrix with ones on and above the `offset` diagonal (j ≥ i + offset, as
  /// NumPy's triu) or, when `upper` is false, on and below it (j ≤ i + offset, as tril).
  public static func triangle(rows: Int, cols: Int, offset: Int = 0, upper: Bool) -> Tensor {
    var t = Tensor(repeating: 0, shape: [rows, cols])
    for i in 0..<rows {
      for j in 0..<cols where upper ? j - i >= offset : j - i <= offset { t.data[i * cols + j] = 1 }
    }
    return t
  }
}
