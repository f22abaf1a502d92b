import NablaTensor

/// Autodiff against central finite differences, entry by entry, with a verdict and, on failure,
/// the likely cause where it can be told.
public struct GradientCheckReport {
  public struct Entry {
    /// Flat index into the output (0 for a scalar function) and into the input.
    public let output: Int
    public let input: Int
    public let analytic: Double
    public let numeric: Double
    public var absoluteError: Double { Swift.abs(analytic - numeric) }
    /// |a − n| / max(|a|, |n|), 0 when both are 0.
    public var relativeError: Double {
      let scale = Swift.max(Swift.abs(analytic), Swift.abs(numeric))
      return scale == 0 ? 0 : absoluteError / scale
    }
    /// The error the verdict uses: |a − n| / max(1, |n|).
    public var scaledError: Double { absoluteError / Swift.max(1, Swift.abs(numeric)) }
  }

  public let entries: [Entry]
  public let outputShape: [Int]
  public let inputShape: [Int]
  public let step: Double
  public let tolerance: Double
  /// Index into `entries` of the largest scaled error.
  public let worst: Int?
  public let passed: Bool
  /// Why it failed, when a cause could be identified.
  public let diagnosis: String?
}

public enum GradientCheck {
  /// Checks ∂f/∂x at x0 for a scalar or tensor-valued f.
  /// - Parameters:
  ///   - step: the finite-difference step h (central differences, error O(h²)).
  ///   - tolerance: pass when every |analytic − numeric| ≤ tolerance · max(1, |numeric|).
  public static func run(
    _ f: (Variable) throws -> Variable, at x0: Tensor, step h: Double = 1e-6, tolerance: Double = 1e-6
  ) throws -> GradientCheckReport {
    let x = Variable(x0)
    let y = try f(x)
    let (jacobian, _) = try Differentiation.jacobian(of: y, withRespectTo: x)
    let numeric = try differences(f, at: x0, step: h, outputCount: y.value.count)
    var entries: [GradientCheckReport.Entry] = []
    let n = x0.count
    for i in 0..<y.value.count {
      for j in 0..<n {
        entries.append(
          .init(output: i, input: j, analytic: jacobian.value.data[i * n + j], numeric: numeric[i * n + j]))
      }
    }
    let worst = entries.indices.max {
      entries[$0].scaledError < entries[$1].scaledError || entries[$1].scaledError.isNaN
    }
    let passed = entries.allSatisfy { $0.scaledError <= tolerance }
    var diagnosis: String? = nil
    if !passed, let w = worst {
      diagnosis = kink(in: y, step: h)
      if diagnosis == nil {
        let finer = try differences(f, at: x0, step: h / 10, outputCount: y.value.count)
        let before = entries[w].absoluteError
        let after = Swift.abs(entries[w].analytic - finer[entries[w].output * n + entries[w].input])
        if after < before / 20 {
          diagnosis =
            "the step h = \(h) is too large for the curvature here: with h/10 the error at the worst entry drops from \(short(before)) to \(short(after)); pass a smaller step:"
        } else if after > before * 5 && h < 1e-4 {
          diagnosis =
            "the step h = \(h) is too small: rounding dominates (the error grows with a smaller step); pass a larger step:"
        }
      }
    }
    return GradientCheckReport(
      entries: entries, outputShape: y.shape, inputShape: x0.shape, step: h, tolerance: tolerance, worst: worst,
      passed: passed, diagnosis: diagnosis)
  }

  static func short(_ v: Double) -> String {
    let s = "\(v)"
    return s.count > 10 ? String(s.prefix(10)) : s
  }

  /// Central differences, column by column: result[i * n + j] = ∂y_i/∂x_j.
  static func differences(_ f: (Variable) throws -> Variable, at x0: Tensor, step h: Double, outputCount: Int) throws
    -> [Double]
  {
    let n = x0.count
    var result = [Double](repeating: 0, count: outputCount * n)
    for j in 0..<n {
      var plus = x0
      var minus = x0
      plus.data[j] += h
      minus.data[j] -= h
      let fp = try f(.constant(plus)).value.data
      let fm = try f(.constant(minus)).value.data
      guard fp.count == outputCount, fm.count == outputCount else {
        throw DifferentiationError("gradcheck: f changed its output size between evaluations")
      }
      for i in 0..<outputCount { result[i * n + j] = (fp[i] - fm[i]) / (2 * h) }
    }
    return result
  }

  /// A primitive in the graph whose input sits within the step of a kink, described for the user.
  static func kink(in y: Variable, step h: Double) -> String? {
    let pass = ReverseMode.passCounter.wrappingAdd(1, ordering: .relaxed).newValue
    for v in ReverseMode.topologicalOrder(from: y, pass: pass) {
      guard let primitive = v.primitive else { continue }
      let name = primitive.name
      let inputs = v.inputs.map(\.value)
      switch name {
      case "relu", "abs", "leaky_relu", "sign":
        if let k = inputs[0].data.firstIndex(where: { Swift.abs($0) <= 2 * h }) {
          let rule =
            name == "relu"
            ? "relu'(0) = 0" : name == "abs" ? "abs'(0) = 0" : name == "sign" ? "sign' = 0" : "leaky_relu'(0) = a"
          return
            "an input of \(name) is \(inputs[0].data[k] == 0 ? "0" : "within the step of 0") (entry \(k)): that is its kink, where the derivative is a convention (\(rule)) and central differences average the two sides"
        }
      case "maximum", "minimum":
        if let d = try? Tensor.zip(inputs[0], inputs[1], operation: name, { Swift.abs($0 - $1) }),
          d.data.contains(where: { $0 <= 2 * h })
        {
          return
            "\(name) compares two values within the step of each other: at a tie the gradient is split by convention and differences straddle the kink"
        }
      case "max", "min":
        let y = v.value.data
        if y.count == 1, inputs[0].data.filter({ Swift.abs($0 - y[0]) <= 2 * h }).count > 1 {
          return
            "\(name) has tied entries within the step: at a tie the gradient is shared by convention and differences straddle the kink"
        }
      default: continue
      }
    }
    return nil
  }
}
