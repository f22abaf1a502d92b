import NablaLanguage

/// What Tab offers at a point of the line being typed, from the builtin registry and the
/// session: names, the named arguments of the call being typed (`sum(x, ax` → `axis:`), file
/// names inside a string or after `:load`/`:save`, the values of `:format` and `:color`, the
/// signature after `softmax(`, and Julia's LaTeX names (`\alpha` → α).
public enum Completion: Equatable {
  /// Replacements for the word being typed.
  case words([String])
  /// File names (the line editor lists the directory).
  case files
  /// Nothing to insert: the call's signature, to show above the line.
  case signature(String)

  /// LaTeX names Tab turns into their symbol, as the Julia REPL does.
  public static let latex: [String: String] = [
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ", "eta": "η", "theta": "θ",
    "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ",
    "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "nabla": "∇", "partial": "∂",
  ]

  /// The characters that end a word for completion: operators and brackets, not `:` (commands,
  /// `axis:`), `\` (`\alpha`) or `/` (a path being completed stays one word).
  public static let wordBreaks = " \t\n\"'`@$><=;|&{([,+-*^%!~]})"
}

extension Session {
  /// What Tab offers for `word`, typed after `before` on the current line.
  public func completion(before: String, word: String) -> Completion {
    let registry = interpreter.registry
    let trimmed = before.drop { $0 == " " || $0 == "\t" }
    // Commands and their arguments.
    if trimmed.hasPrefix(":") || (trimmed.isEmpty && word.hasPrefix(":")) {
      let command = trimmed.dropFirst().prefix { !$0.isWhitespace }
      if trimmed.isEmpty {
        return .words(Session.commands.map { ":" + $0.name }.filter { $0.hasPrefix(word) }.sorted())
      }
      switch command {
      case "load",
        "save" where Session.completesFileName(before):
        return .files
      case "format": return .words(["plain", "table", "json", "latex"].filter { $0.hasPrefix(word) })
      case "color": return .words(["on", "off"].filter { $0.hasPrefix(word) })
      case "help", "h", "?":
        return .words((registry.names + Session.commands.map(\.name)).filter { $0.hasPrefix(word) }.sorted())
      case "del": return .words(interpreter.globals.keys.filter { $0.hasPrefix(word) }.sorted())
      default: break
      }
    }
    // Inside a string: a file name.
    if Session.completesFileName(before) { return .files }
    // \alpha → α; \al → the names it begins.
    if word.hasPrefix("\\") {
      let name = String(word.dropFirst())
      if let symbol = Completion.latex[name] { return .words([symbol]) }
      return .words(Completion.latex.keys.filter { $0.hasPrefix(name) }.sorted().map { "\\" + $0 })
    }
    let call = Session.openCall(before)
    if let callee = call, word.isEmpty, before.last.map({ $0 == "(" }) == true {
      if let b = registry[callee] { return .signature(b.signature + "  — " + b.doc) }
      if case .function(let f)? = interpreter.globals[callee] { return .signature(f.signature) }
    }
    var names = registry.names + Array(interpreter.globals.keys) + Array(Interpreter.constants.keys)
    if let callee = call, let b = registry[callee] {
      // A call's named arguments first: `ax` → `axis:`.
      let named = b.parameters.map { $0.name + ":" }.filter { $0.hasPrefix(word) && !word.isEmpty }
      if !named.isEmpty { return .words(named) }
      names += b.parameters.map { $0.name + ":" }
    }
    return .words(Array(Set(names.filter { $0.hasPrefix(word) })).sorted())
  }

  /// Whether the word at the end of `text` is a file name: inside a string, or the argument of
  /// `:load` or `:save`.
  public static func completesFileName(_ text: String) -> Bool {
    if text.filter({ $0 == "\"" }).count % 2 == 1 { return true }
    let trimmed = text.drop { $0 == " " || $0 == "\t" }
    return trimmed.hasPrefix(":load ") || trimmed.hasPrefix(":save ")
  }

  /// The function whose call is open at the end of `text` (`sum(x, ` → sum), if any.
  static func openCall(_ text: String) -> String? {
    var depth = 0
    let characters = Array(text)
    var k = characters.count - 1
    while k >= 0 {
      let c = characters[k]
      if c == ")" || c == "]" {
        depth += 1
      } else if c == "(" || c == "[" {
        if depth == 0 {
          guard c == "(" else { return nil }
          var end = k
          while end > 0 && characters[end - 1] == " " { end -= 1 }
          var start = end
          while start > 0
            && (characters[start - 1].isLetter || characters[start - 1].isNumber || characters[start - 1] == "_")
          {
            start -= 1
          }
          return start < end ? String(characters[start..<end]) : nil
        }
        depth -= 1
      }
      k -= 1
    }
    return nil
  }
}
