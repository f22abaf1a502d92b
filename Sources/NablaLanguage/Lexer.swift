/// A token of nabla source.
public struct Token: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    case number(Double)
    case identifier(String)
    case string(String)
    /// Operators and punctuation: `+`, `**`, `(`, `..`, `+=`, `'` …
    case symbol(String)
    case keyword(String)
    /// A statement end from a line break.
    case newline
    /// `;`. `endsLine` is true when only blanks or a comment follow it on its line: that is the
    /// trailing `;` that suppresses printing.
    case semicolon(endsLine: Bool)
    case end
  }

  public var kind: Kind
  public var range: SourceRange

  public func isSymbol(_ s: String) -> Bool { kind == .symbol(s) }
  public func isKeyword(_ s: String) -> Bool { kind == .keyword(s) }
}

/// Turns source text into tokens. Line breaks inside `(` or `[`, or after a binary operator, are
/// not statement ends, so a statement continues onto the next line.
public struct Lexer {
  static let keywords: Set<String> = ["for", "in", "if", "else"]
  /// Longest first, so `**` wins over `*`.
  static let symbols: [String] = [
    "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "..",
    "+", "-", "*", "/", "%", "@", "^", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ":", ".", "'",
  ]
  /// After these a line break continues the statement.
  static let continuing: Set<String> = [
    "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "..", "+", "-", "*", "/", "%", "@", "^", "<",
    ">", "=", ",", ":",
  ]

  let scalars: [Unicode.Scalar]
  var index = 0
  var line = 1
  var column = 1

  public init(_ source: String) {
    scalars = Array(source.unicodeScalars)
  }

  var location: SourceLocation { SourceLocation(line: line, column: column, offset: index) }

  func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
    index + ahead < scalars.count ? scalars[index + ahead] : nil
  }

  mutating func advance() {
    guard index < scalars.count else { return }
    if scalars[index] == "\n" {
      line += 1
      column = 1
    } else {
      column += 1
    }
    index += 1
  }

  static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
    c == "_" || c.properties.isAlphabetic
  }

  static func isIdentifierContinue(_ c: Unicode.Scalar) -> Bool {
    // Combining marks too, so θ̂ or ŷ typed with a combining accent is one name.
    isIdentifierStart(c) || c.properties.numericType != nil || ("0"..."9").contains(c)
      || [.nonspacingMark, .spacingMark, .enclosingMark].contains(c.properties.generalCategory)
  }

  /// What a run of `;` is made of: the semicolons and the blanks between them.
  static func isSemicolonRun(_ c: Unicode.Scalar) -> Bool { c == ";" || c == " " || c == "\t" || c == "\r" }

  static func isDigit(_ c: Unicode.Scalar?) -> Bool {
    guard let c else { return false }
    return ("0"..."9").contains(c)
  }

  /// All tokens, ending with `.end`.
  public mutating func tokenize() throws(Diagnostic) -> [Token] {
    var tokens: [Token] = []
    var brackets: [String] = []
    func lastContinues() -> Bool {
      guard let last = tokens.last else { return true }
      if case .symbol(let s) = last.kind { return Lexer.continuing.contains(s) }
      if case .newline = last.kind { return true }
      if case .semicolon = last.kind { return true }
      return false
    }
    while let c = peek() {
      let start = location
      if c == " " || c == "\t" || c == "\r" || c == "\u{FEFF}" {
        advance()
        continue
      }
      if c == "#" {
        while let d = peek(), d != "\n" { advance() }
        continue
      }
      if c == "\n" {
        advance()
        let insideParens = brackets.last == "(" || brackets.last == "["
        if !insideParens && !lastContinues() {
          tokens.append(Token(kind: .newline, range: SourceRange(start, location)))
        }
        continue
      }
      if c == ";" {
        // Look past blanks, more `;` and a comment: a `;` is trailing when the line ends after
        // it. One look for the whole run of them, so a line of 10⁶ `;` lexes in linear time.
        var k = index
        while k < scalars.count, Lexer.isSemicolonRun(scalars[k]) { k += 1 }
        let endsLine = k >= scalars.count || scalars[k] == "\n" || scalars[k] == "#"
        while index < k {
          let here = location
          let isSemicolon = scalars[index] == ";"
          advance()
          if isSemicolon {
            tokens.append(Token(kind: .semicolon(endsLine: endsLine), range: SourceRange(here, location)))
          }
        }
        continue
      }
      if Lexer.isDigit(c) || (c == "." && Lexer.isDigit(peek(1))) {
        tokens.append(try lexNumber(start))
        continue
      }
      if Lexer.isIdentifierStart(c) {
        var name = String.UnicodeScalarView()
        while let d = peek(), Lexer.isIdentifierContinue(d) {
          name.append(d)
          advance()
        }
        let text = String(name)
        let kind: Token.Kind = Lexer.keywords.contains(text) ? .keyword(text) : .identifier(text)
        tokens.append(Token(kind: kind, range: SourceRange(start, location)))
        continue
      }
      if c == "\"" {
        tokens.append(try lexString(start))
        continue
      }
      guard let symbol = Lexer.symbols.first(where: matches) else {
        advance()
        let shown =
          c.properties.isWhitespace || c.value < 0x20 || c.value == 0x7F || c.properties.generalCategory == .format
          ? "U+" + String(repeating: "0", count: Swift.max(0, 4 - String(c.value, radix: 16).count))
            + String(c.value, radix: 16, uppercase: true) : "'\(c)'"
        throw Diagnostic("unexpected character \(shown)", at: SourceRange(start, location))
      }
      for _ in symbol.unicodeScalars { advance() }
      let range = SourceRange(start, location)
      switch symbol {
      case "(", "[", "{": brackets.append(symbol)
      case ")", "]", "}":
        let opener = symbol == ")" ? "(" : symbol == "]" ? "[" : "{"
        if brackets.last == opener { brackets.removeLast() }
      default: break
      }
      tokens.append(Token(kind: .symbol(symbol), range: range))
    }
    tokens.append(Token(kind: .end, range: SourceRange(location, location)))
    return tokens
  }

  func matches(_ symbol: String) -> Bool {
    var k = index
    for s in symbol.unicodeScalars {
      guard k < scalars.count, scalars[k] == s else { return false }
      k += 1
    }
    return true
  }

  mutating func lexNumber(_ start: SourceLocation) throws(Diagnostic) -> Token {
    var text = ""
    while Lexer.isDigit(peek()) {
      text.unicodeScalars.append(peek() ?? "0")
      advance()
    }
    // A '.' belongs to the number unless it starts `..` (a range) or a member like `.T`.
    if peek() == ".", peek(1) != ".", !(peek(1).map(Lexer.isIdentifierStart) ?? false) {
      text += "."
      advance()
      while Lexer.isDigit(peek()) {
        text.unicodeScalars.append(peek() ?? "0")
        advance()
      }
    }
    if peek() == "e" || peek() == "E" {
      let signed = peek(1) == "+" || peek(1) == "-"
      if Lexer.isDigit(peek(signed ? 2 : 1)) {
        text += "e"
        advance()
        if signed {
          text.unicodeScalars.append(peek() ?? "+")
          advance()
        }
        while Lexer.isDigit(peek()) {
          text.unicodeScalars.append(peek() ?? "0")
          advance()
        }
      }
    }
    let range = SourceRange(start, location)
    if text.hasPrefix(".") { text = "0" + text }
    if text.hasSuffix(".") { text += "0" }
    guard let value = Double(text) else {
      throw Diagnostic("malformed number '\(text)'", at: range)
    }
    return Token(kind: .number(value), range: range)
  }

  mutating func lexString(_ start: SourceLocation) throws(Diagnostic) -> Token {
    advance()  // opening quote
    var value = String.UnicodeScalarView()
    while let c = peek() {
      if c == "\"" {
        advance()
        return Token(kind: .string(String(value)), range: SourceRange(start, location))
      }
      if c == "\n" { break }
      if c == "\\", let next = peek(1) {
        advance()
        advance()
        switch next {
        case "n": value.append("\n")
        case "t": value.append("\t")
        default: value.append(next)
        }
        continue
      }
      value.append(c)
      advance()
    }
    throw Diagnostic("unterminated string: a string ends with \" on the same line", at: SourceRange(start, location))
  }
}
