import NablaTensor

/// Writes a formula in one of three notations: the Unicode matrix notation of the course
/// (`(A + Aᵀ) x`), nabla syntax that evaluates back to the value (`(A + A') @ x`), and LaTeX.
public struct FormulaPrinter {
  public enum Style: Sendable { case math, nabla, latex }

  public let style: Style

  public init(_ style: Style) { self.style = style }

  /// Binding strength: a child weaker than its context is parenthesised.
  enum Level: Int, Comparable {
    case sum = 0
    case product, prefix
    /// x², x^k: binds tighter than a product, looser than a transpose ((x²)ᵀ, not x²ᵀ).
    case power
    case postfix, atom
    static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
  }

  public func print(_ f: Formula) -> String {
    // A number standing for a whole tensor is written as one where its shape matters.
    if style == .nabla, f.numberValue != nil, !f.shape.isEmpty { return filled(f) }
    return render(f).text
  }

  /// full([shape], v) for a number of a tensor's shape (nabla syntax).
  func filled(_ f: Formula) -> String {
    "full([\(f.shape.map(String.init).joined(separator: ", "))], \(number(f.numberValue ?? 0)))"
  }

  func render(_ f: Formula) -> (text: String, level: Level) {
    switch f.kind {
    case .symbol(let name): return (symbol(name), .atom)
    case .number(let v): return (number(v), v < 0 ? .prefix : .atom)
    case .constant(let c): return (literal(c.value), .atom)
    case .identity:
      switch style {
      case .math: return ("I", .atom)
      case .nabla: return ("eye(\(f.shape.last ?? 1))", .atom)
      case .latex: return ("I", .atom)
      }
    case .sum(let terms): return (sum(terms), .sum)
    case .product(let factors): return product(factors)
    case .power(let a, let k): return power(a, k)
    case .powerOf(let a, let b):
      let base = wrap(a, above: .postfix)
      switch style {
      case .latex: return ("{\(base)}^{\(render(b).text)}", .power)
      default: return ("\(base)^\(wrap(b, above: .postfix))", .power)
      }
    case .function(let name, let a): return (function(name, a), .atom)
    case .matmul(let a, let b): return matmul(a, b)
    case .transpose(let a): return transpose(a)
    case .reshape(let a), .broadcast(let a):
      // A vector as a row is its transpose; otherwise the numbers are the same.
      if a.shape.count == 1, f.shape == [1, a.shape[0]], style != .nabla { return transpose(a) }
      if style == .nabla, a.shape != f.shape, case .reshape = f.kind {
        return ("reshape(\(render(a).text), \(f.shape.map(String.init).joined(separator: ", ")))", .atom)
      }
      // In nabla syntax a broadcast keeps its shape (the sum over it counts every entry).
      if style == .nabla, a.shape != f.shape, case .broadcast = f.kind, a.shape.reduce(1, *) != f.shape.reduce(1, *) {
        return ("\(wrap(a, above: .power)) * ones(\(f.shape.map(String.init).joined(separator: ", ")))", .product)
      }
      return render(a)
    case .total(let a, let axes)
    where axes.count == a.shape.count && normOf(Formula(.total(a, axes: axes), shape: f.shape)) != nil:
      // Σx² is ‖x‖².
      return power(Formula(.total(a, axes: axes), shape: f.shape), 1)
    case .total(let a, let axes) where axes.count == a.shape.count && a.shape.count >= 1:
      if case .call("diagonal", let m) = a.kind, m.count == 1 {
        switch style {
        case .math: return ("tr(\(render(m[0]).text))", .atom)
        case .nabla: return ("trace(\(render(m[0]).text))", .atom)
        case .latex: return ("\\operatorname{tr}(\(render(m[0]).text))", .atom)
        }
      }
      fallthrough
    case .total(let a, let axes):
      let all = axes.count == a.shape.count
      switch style {
      case .math:
        if all { return ("Σ" + wrap(a, above: .power), .prefix) }
        return ("Σ_\(axes.map(String.init).joined())(\(render(a).text))", .atom)
      case .nabla:
        // A Σ that keeps its axes (shape [1, n]) says so.
        let keep = f.shape.count == a.shape.count && !f.shape.isEmpty ? ", keepdims: true" : ""
        if all && keep.isEmpty { return ("sum(\(render(a).text))", .atom) }
        return ("sum(\(render(a).text), axis: [\(axes.map(String.init).joined(separator: ", "))]\(keep))", .atom)
      case .latex:
        return (
          "\\sum" + (all ? "" : "_{\(axes.map(String.init).joined(separator: ","))}") + " " + wrap(a, above: .power),
          .prefix
        )
      }
    case .diag(let a):
      switch style {
      case .latex: return ("\\operatorname{diag}(\(render(a).text))", .atom)
      default: return ("diag(\(render(a).text))", .atom)
      }
    case .indicator(let a, let test):
      switch style {
      case .math: return ("1{\(render(a).text) \(test.rawValue) 0}", .atom)
      case .nabla: return ("(\(render(a).text) \(test == .zero ? "==" : ">") 0)", .atom)
      case .latex: return ("\\mathbf{1}\\{\(render(a).text) \(test.rawValue) 0\\}", .atom)
      }
    case .sign(let a): return (call(style == .latex ? "\\operatorname{sign}" : "sign", [a]), .atom)
    case .inverse(let a):
      switch style {
      case .math: return (wrap(a, above: .postfix) + "⁻¹", .postfix)
      case .nabla: return ("inv(\(render(a).text))", .atom)
      case .latex: return ("{\(wrap(a, above: .postfix))}^{-1}", .postfix)
      }
    case .determinant(let a):
      switch style {
      case .math: return ("det " + wrap(a, above: .postfix), .prefix)
      case .nabla: return ("det(\(render(a).text))", .atom)
      case .latex: return ("\\det " + wrap(a, above: .postfix), .prefix)
      }
    case .call(let name, let args): return (call(name, args), .atom)
    }
  }

  func wrap(_ f: Formula, above level: Level) -> String {
    let (text, own) = render(f)
    return own < level ? "(\(text))" : text
  }

  func symbol(_ name: String) -> String {
    style == .latex ? FormulaPrinter.latexName(name) : name
  }

  /// A variable's name in LaTeX: Greek letters as commands, trailing digits and what follows
  /// an underscore as a subscript (W0 → W_{0}, x_i → x_{i}, W12 → W_{12}).
  public static func latexName(_ name: String) -> String {
    let greek: [Character: String] = [
      "α": "\\alpha", "β": "\\beta", "γ": "\\gamma", "δ": "\\delta", "ε": "\\epsilon", "θ": "\\theta",
      "λ": "\\lambda", "μ": "\\mu", "σ": "\\sigma", "τ": "\\tau", "φ": "\\phi", "ω": "\\omega", "Ḡ": "\\bar{G}",
    ]
    func letters(_ text: Substring) -> String {
      text.map { greek[$0] ?? String($0) }.joined().split(separator: "_", omittingEmptySubsequences: false).joined(
        separator: "\\_")
    }
    if let underscore = name.firstIndex(of: "_"), underscore != name.startIndex,
      name.index(after: underscore) != name.endIndex
    {
      return letters(name[..<underscore]) + "_{" + letters(name[name.index(after: underscore)...]) + "}"
    }
    let digits = name.reversed().prefix { $0.isASCII && $0.isNumber }.count
    guard digits > 0, digits < name.count else { return letters(name[...]) }
    return letters(name.dropLast(digits)) + "_{" + name.suffix(digits) + "}"
  }

  func number(_ v: Double) -> String {
    if v == v.rounded(), Swift.abs(v) < 1e15 {
      let i = Int(v)
      return style == .math && i < 0 ? "−\(-i)" : String(i)
    }
    // Shortest round-trip text, so a formula evaluated again gives the same numbers.
    var s = "\(v)"
    if style == .math, s.hasPrefix("-") { s = "−" + s.dropFirst() }
    return s
  }

  func literal(_ t: Tensor) -> String {
    // Shown in full in nabla syntax (it must evaluate), shortened in the notations people read.
    let shown = style == .nabla ? t.data[...] : t.data.prefix(8)
    let items = shown.map { number($0) }.joined(separator: ", ")
    let more = t.count > shown.count ? ", …" : ""
    if style == .latex { return "\\begin{bmatrix}\(items)\(more)\\end{bmatrix}" }
    if t.rank == 1 || style == .math { return "[\(items)\(more)]" }
    return
      "reshape([\(t.data.map { number($0) }.joined(separator: ", "))], \(t.shape.map(String.init).joined(separator: ", ")))"
  }

  func sum(_ terms: [Formula]) -> String {
    var out = ""
    for (k, t) in terms.enumerated() {
      var (text, level) = render(t)
      var negative = false
      if case .product(let fs) = t.kind, let c = fs.first?.numberValue, c < 0 {
        negative = true
        var rest = Array(fs.dropFirst())
        if c != -1 { rest.insert(.number(-c), at: 0) }
        let positive = rest.count == 1 ? rest[0] : Formula(.product(rest), shape: t.shape)
        (text, level) = render(positive)
      } else if let v = t.numberValue, v < 0 {
        negative = true
        text = number(-v)
      }
      if level == .sum { text = "(\(text))" }
      if k == 0 {
        out = negative ? (minus + text) : text
      } else {
        out += negative ? " \(minus) \(text)" : " + \(text)"
      }
    }
    return out
  }

  var minus: String { style == .math ? "−" : "-" }

  func product(_ factors: [Formula]) -> (String, Level) {
    var coefficient = 1.0
    var rest: [Formula] = []
    for f in factors {
      if let v = f.numberValue, f.shape.isEmpty { coefficient *= v } else { rest.append(f) }
    }
    // Numerators, then what divides them.
    var numerators: [Formula] = []
    var denominators: [Formula] = []
    for f in rest {
      if case .power(let a, let k) = f.kind, k < 0 {
        denominators.append(k == -1 ? a : Formula(.power(a, -k), shape: f.shape))
      } else {
        numerators.append(f)
      }
    }
    var parts: [String] = []
    let scalarTimes = style == .math ? "·" : (style == .latex ? " \\cdot " : " * ")
    let elementwise = style == .math ? " ⊙ " : (style == .latex ? " \\odot " : " * ")
    let alone = numerators.count == 1
    for f in numerators {
      if alone, case .matmul = f.kind {
        parts.append(render(f).text)
        continue
      }
      // A determinant among other factors is written det(X).
      if case .determinant(let m) = f.kind, style != .nabla, numerators.count + denominators.count > 1 {
        parts.append((style == .latex ? "\\det" : "det") + "(\(render(m).text))")
      } else {
        parts.append(wrap(f, above: .power))
      }
    }
    // Scalar factors join with ·, tensors with ⊙ (both * in nabla syntax).
    var text = parts.isEmpty ? "1" : ""
    for (i, p) in parts.enumerated() {
      if i > 0 { text += (numerators[i].isScalar || numerators[i - 1].isScalar) ? scalarTimes : elementwise }
      text += p
    }
    for d in denominators {
      let divide =
        d.isScalar
        ? (style == .latex ? " / " : " / ") : (style == .math ? " ⊘ " : (style == .latex ? " \\oslash " : " / "))
      text += divide + wrap(d, above: .power)
    }
    // A coefficient ±1/q divides instead: Σx/6, (p − t)/5.
    if coefficient != 1, coefficient != -1, let q = Self.reciprocalInteger(Swift.abs(coefficient)), !parts.isEmpty {
      // A lone matrix product keeps no parentheses in front of the division it does not need.
      let lone = numerators.count == 1 && denominators.isEmpty
      text =
        (lone ? wrap(numerators[0], above: .postfix) : (parts.count + denominators.count > 1 ? "(\(text))" : text))
        + " / \(q)"
      coefficient = coefficient < 0 ? -1 : 1
    }
    var level: Level = parts.count + denominators.count > 1 || coefficient != 1 ? .product : .postfix
    if text.hasSuffix(")") == false, text.contains(" / ") { level = .product }
    if coefficient != 1 {
      if coefficient == -1 {
        text = minus + text
      } else {
        let c = number(coefficient)
        // 2x and 3x² close up; anything else is 2·(…).
        let joiner =
          numerators.first.map { first -> String in
            if style == .nabla { return " * " }
            switch first.kind {
            case .symbol: return ""
            case .power(let base, _): if case .symbol = base.kind { return "" }
            default: break
            }
            return style == .latex ? " " : "·"
          } ?? ""
        text = parts.isEmpty ? c + String(text.dropFirst()) : c + joiner + text
      }
      level = .product
      if coefficient < 0 { level = .prefix }
    }
    return (text, level)
  }

  /// ‖x‖ for √(Σx²).
  func normOf(_ a: Formula) -> Formula? {
    if case .total(let s, let axes) = a.kind, axes.count == s.shape.count, case .power(let x, 2) = s.kind { return x }
    return nil
  }

  /// q when v = 1/q for a whole q from 2 to 1000.
  static func reciprocalInteger(_ v: Double) -> Int? {
    guard v > 0, v < 1 else { return nil }
    let q = (1 / v).rounded()
    guard q >= 2, q <= 1000, Swift.abs(1 / q - v) <= 1e-15 * v else { return nil }
    return Int(q)
  }

  func power(_ a: Formula, _ k: Double) -> (String, Level) {
    if let x = normOf(a) {
      // (Σx²)^k = ‖x‖^(2k).
      let text: String
      switch style {
      case .math: text = "‖\(render(x).text)‖"
      case .nabla: text = "norm(\(render(x).text))"
      case .latex: text = "\\lVert \(render(x).text) \\rVert"
      }
      return k == 0.5 ? (text, .atom) : (raise(text, 2 * k), .power)
    }
    if k == 0.5 {
      switch style {
      // √ binds as tightly as a function call: √x, √(x + 1).
      case .math: return ("√" + wrap(a, above: .atom), .atom)
      case .nabla: return ("sqrt(\(render(a).text))", .atom)
      case .latex: return ("\\sqrt{\(render(a).text)}", .atom)
      }
    }
    if k == -1, style == .nabla { return ("1 / \(wrap(a, above: .postfix))", .product) }
    let base = wrap(a, above: .atom)
    switch style {
    case .math:
      let superscripts: [Character: Character] = [
        "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻",
      ]
      let text = number(k).replacingOccurrences(of: "−", with: "-")
      if text.allSatisfy({ superscripts[$0] != nil }) {
        return (base + String(text.compactMap { superscripts[$0] }), .power)
      }
      return (base + "^" + text, .power)
    case .nabla: return (base + "^" + (k < 0 ? "(\(number(k)))" : number(k)), .power)
    case .latex: return ("{\(base)}^{\(number(k))}", .power)
    }
  }

  /// `text` (already an atom) to the power k.
  func raise(_ text: String, _ k: Double) -> String {
    switch style {
    case .math:
      let superscripts: [Character: Character] = [
        "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻",
      ]
      let e = number(k).replacingOccurrences(of: "−", with: "-")
      return e.allSatisfy({ superscripts[$0] != nil })
        ? text + String(e.compactMap { superscripts[$0] }) : text + "^" + e
    case .nabla: return text + "^" + (k < 0 ? "(\(number(k)))" : number(k))
    case .latex: return "{\(text)}^{\(number(k))}"
    }
  }

  func function(_ name: String, _ a: Formula) -> String {
    let arg = render(a).text
    switch (style, name) {
    case (.math, "sigmoid"): return "σ(\(arg))"
    case (.latex, "sigmoid"): return "\\sigma(\(arg))"
    case (.math, "abs"): return "|\(arg)|"
    case (.latex, "abs"): return "\\lvert \(arg) \\rvert"
    case (.math, "log|det|"): return "log |det \(wrap(a, above: .postfix))|"
    case (.math, "log") where isDeterminant(a): return "log " + render(a).text
    case (.latex, "log") where isDeterminant(a): return "\\log " + render(a).text
    case (.latex, "log|det|"): return "\\log \\lvert\\det \(wrap(a, above: .postfix))\\rvert"
    case (.nabla, "log|det|"): return "slogdet(\(arg))[1]"
    case (.latex, "exp"), (.latex, "log"), (.latex, "sin"), (.latex, "cos"), (.latex, "tan"), (.latex, "tanh"):
      return "\\\(name)(\(arg))"
    case (.latex, _): return "\\operatorname{\(name.replacingUnderscores())}(\(arg))"
    default: return "\(name)(\(arg))"
    }
  }

  func isDeterminant(_ f: Formula) -> Bool {
    if case .determinant = f.kind { return true }
    return false
  }

  func call(_ name: String, _ args: [Formula]) -> String {
    // The diagonal of a matrix is diag(X) in nabla, as in NumPy.
    if name == "diagonal", args.count == 1 { return "diag(\(render(args[0]).text))" }
    if name == "slice", args.count == 2 { return "\(wrap(args[0], above: .postfix))[\(render(args[1]).text)]" }
    // im2col's window numbers are plumbing in the notation; nabla syntax needs them.
    if name == "im2col", args.count == 5 {
      if style == .nabla {
        let n = args[1...].map { render($0).text }
        return "im2col(\(render(args[0]).text), \(n[0]), \(n[1]), stride: \(n[2]), padding: \(n[3]))"
      }
      return (style == .latex ? "\\operatorname{im2col}" : "im2col") + "(\(render(args[0]).text))"
    }
    // avgpool2d's stride and padding are shown when they are not the builtin's defaults.
    if name == "avgpool2d", args.count == 4 {
      let n = args[1...].map { render($0).text }
      let options = n[1] == n[0] && n[2] == "0" ? "" : ", stride: \(n[1]), padding: \(n[2])"
      let head = style == .latex ? "\\operatorname{avgpool2d}" : "avgpool2d"
      return "\(head)(\(render(args[0]).text), \(n[0])\(options))"
    }
    return "\(name)(" + args.map { render($0).text }.joined(separator: ", ") + ")"
  }

  /// The factors of a chain of matrix products, left to right (products are associative).
  func chain(_ f: Formula) -> [Formula] {
    if case .matmul(let a, let b) = f.kind, style != .nabla { return chain(a) + chain(b) }
    return [f]
  }

  func matmul(_ a: Formula, _ b: Formula) -> (String, Level) {
    if style != .nabla {
      let factors = chain(a) + chain(b)
      var text = ""
      for (i, f) in factors.enumerated() {
        // A vector first in a chain is a row: uᵀM, uᵀv.
        let piece = i == 0 && f.shape.count == 1 && factors.count > 1 ? transpose(f).0 : wrap(f, above: .power)
        if i > 0 {
          let short: Bool
          switch (factors[i - 1].kind, f.kind) {
          case (.symbol, .symbol), (.transpose, .symbol), (.inverse, .symbol): short = style == .math
          default: short = false
          }
          text += short ? "" : " "
        }
        text += piece
      }
      return (text, .product)
    }
    return matmulPair(a, b)
  }

  func matmulPair(_ a: Formula, _ b: Formula) -> (String, Level) {
    func operand(_ f: Formula) -> String {
      if f.numberValue != nil, !f.shape.isEmpty { return filled(f) }
      return wrap(f, above: .power)
    }
    if style == .nabla { return ("\(operand(a)) @ \(operand(b))", .product) }
    switch style {
    case .nabla:
      // 1-D on both sides: an outer product is written as one; anything else is NumPy's @.
      return ("\(wrap(a, above: .power)) @ \(wrap(b, above: .power))", .product)
    case .math, .latex:
      // A vector on the left of a product is a row: uᵀM and uᵀv.
      let left = a.shape.count == 1 ? transpose(a).0 : wrap(a, above: .postfix)
      // Hx and Aᵀx close up; anything longer keeps a space: (A + Aᵀ) x, p pᵀ.
      let short: Bool
      switch (a.kind, b.kind) {
      case (.symbol, .symbol), (.transpose, .symbol), (.inverse, .symbol): short = style == .math
      default: short = false
      }
      return ("\(left)\(short ? "" : " ")\(wrap(b, above: .postfix))", .product)
    }
  }

  func transpose(_ a: Formula) -> (String, Level) {
    if case .inverse(let inner) = a.kind {
      switch style {
      case .math: return (wrap(inner, above: .postfix) + "⁻ᵀ", .postfix)
      case .nabla: return ("inv(\(render(inner).text))'", .postfix)
      case .latex: return ("{\(wrap(inner, above: .postfix))}^{-\\top}", .postfix)
      }
    }
    switch style {
    case .math: return (wrap(a, above: .postfix) + "ᵀ", .postfix)
    case .nabla: return (wrap(a, above: .postfix) + "'", .postfix)
    case .latex:
      let base = wrap(a, above: .postfix)
      return ((base.count == 1 ? base : "{\(base)}") + "^\\top", .postfix)
    }
  }
}

extension String {
  fileprivate func replacingUnderscores() -> String {
    var out = ""
    for ch in self { out += ch == "_" ? "\\_" : String(ch) }
    return out
  }

  fileprivate func replacingOccurrences(of a: String, with b: String) -> String {
    split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
  }
}
