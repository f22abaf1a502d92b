/// Builds statements from tokens, one function per precedence level (lowest first):
/// comparison, range `..`, `+ -`, `* / @`, unary `- +`, power `^ **` (right-associative, above
/// unary minus so `-x^2` is `-(x^2)`), postfix (call, index, `'`, `.T`, `.shape`).
public struct Parser {
  let tokens: [Token]
  var position = 0
  var depth = 0
  /// Deeper nesting than this is an error rather than a stack overflow.
  static let maximumDepth = 150
  /// Longer operator or postfix chains than this are an error: the tree they make is as deep
  /// as they are long, and evaluating it recurses.
  static let maximumChain = 5000
  var chain = 0

  /// Counts one more link of a chain (`a + b + …`, `x[0][0]…`).
  mutating func link() throws(Diagnostic) {
    chain += 1
    if chain > Parser.maximumChain {
      throw Diagnostic(
        "expression too long (more than \(Parser.maximumChain) operators in a row); split it into statements",
        at: current.range)
    }
  }

  public init(tokens: [Token]) {
    self.tokens = tokens
  }

  /// Parses a whole source text into statements.
  public static func parse(_ source: String) throws(Diagnostic) -> [Statement] {
    var lexer = Lexer(source)
    var parser = Parser(tokens: try lexer.tokenize())
    return try parser.parseProgram()
  }

  var current: Token { tokens[Swift.min(position, tokens.count - 1)] }
  func peek(_ ahead: Int) -> Token { tokens[Swift.min(position + ahead, tokens.count - 1)] }

  mutating func advance() -> Token {
    let t = current
    if position < tokens.count - 1 { position += 1 }
    return t
  }

  /// `x[i]` as a whole statement, about to be assigned to.
  func isIndexTarget(_ kind: Statement.Kind) -> Bool {
    if case .expression(let e) = kind, case .index = e.kind { return true }
    return false
  }

  func error(_ message: String, at token: Token? = nil) -> Diagnostic {
    let t = token ?? current
    if t.kind == .end {
      // Point just past the last real token (not the line breaks after it), on a line the
      // user can see.
      var last = position - 1
      while last > 0, tokens[last].kind == .newline { last -= 1 }
      let previous = last >= 0 && tokens[last].kind != .newline ? tokens[last].range.end : t.range.start
      return Diagnostic(message + ", but the input ended", at: SourceRange(previous, previous), incomplete: true)
    }
    return Diagnostic(message + ", found \(Parser.describe(t))", at: t.range)
  }

  static func describe(_ t: Token) -> String {
    switch t.kind {
    case .number(let v): return "the number \(v.rounded() == v && abs(v) < 1e15 ? String(Int(v)) : String(v))"
    case .identifier(let n): return "'\(n)'"
    case .string: return "a string"
    case .symbol(let s): return "'\(s)'"
    case .keyword(let k): return "'\(k)'"
    case .newline: return "the end of the line"
    case .semicolon: return "';'"
    case .end: return "the end of the input"
    }
  }

  mutating func expect(_ symbol: String, _ what: String) throws(Diagnostic) -> Token {
    guard current.isSymbol(symbol) else { throw error("expected '\(symbol)' \(what)") }
    return advance()
  }

  mutating func skipSeparators() {
    while true {
      switch current.kind {
      case .newline, .semicolon: _ = advance()
      default: return
      }
    }
  }

  public mutating func parseProgram() throws(Diagnostic) -> [Statement] {
    var statements: [Statement] = []
    skipSeparators()
    while current.kind != .end {
      statements.append(try parseStatement(inBlock: false))
      skipSeparators()
    }
    return statements
  }

  /// One statement, with its terminator (which decides suppression) consumed.
  mutating func parseStatement(inBlock: Bool) throws(Diagnostic) -> Statement {
    chain = 0
    let start = current.range
    var kind = try parseStatementKind()
    if case .symbol(let op) = current.kind, isIndexTarget(kind), ["=", "+=", "-=", "*=", "/="].contains(op) {
      kind = try parseIndexAssignment(kind, op: op)
    }
    var range = start
    if position > 0 { range = start.union(tokens[position - 1].range) }
    var suppressed = false
    switch current.kind {
    case .semicolon(let endsLine):
      suppressed = endsLine
      _ = advance()
    case .newline:
      _ = advance()
    case .end:
      break
    case .symbol("}") where inBlock:
      break
    default:
      throw error("expected the end of the statement (a new line or ';')")
    }
    return Statement(kind: kind, range: range, suppressed: suppressed)
  }

  /// `x[items] = value` (or `op=`), the target already parsed as an expression.
  mutating func parseIndexAssignment(_ kind: Statement.Kind, op: String) throws(Diagnostic) -> Statement.Kind {
    guard case .expression(let target) = kind, case .index(let base, let items) = target.kind,
      case .identifier(let name) = base.kind
    else {
      throw error("only a variable's entries can be assigned, as in x[0, 1:3] = v")
    }
    let opRange = advance().range
    try link()
    let rhs = try parseExpression()
    let value =
      op == "="
      ? rhs
      : Expr(.binary(op: String(op.dropLast()), lhs: target, rhs: rhs, opRange: opRange), target.range.union(rhs.range))
    return .assignIndex(name: name, nameRange: base.range, items: items, value: value)
  }

  mutating func parseStatementKind() throws(Diagnostic) -> Statement.Kind {
    if current.isKeyword("for") { return try parseFor() }
    if case .identifier(let name) = current.kind {
      let nameToken = current
      let next = peek(1)
      if next.isSymbol("=") {
        _ = advance()
        _ = advance()
        return .assign(name: name, nameRange: nameToken.range, value: try parseExpression())
      }
      for op in ["+", "-", "*", "/"] where next.isSymbol(op + "=") {
        _ = advance()
        _ = advance()
        return .compound(name: name, nameRange: nameToken.range, op: op, value: try parseExpression())
      }
      if next.isSymbol("("), let parameters = functionDefinitionParameters() {
        // f(x, y) = body
        while !current.isSymbol("=") { _ = advance() }
        _ = advance()
        skipNewlines()
        let body = try parseExpression()
        return .function(name: name, parameters: parameters, body: body)
      }
      if next.isSymbol(","), let names = unpackNames() {
        for _ in 0..<(names.count * 2) { _ = advance() }
        return .unpack(names: names, value: try parseExpression())
      }
    }
    return .expression(try parseExpression())
  }

  mutating func skipNewlines() {
    while current.kind == .newline { _ = advance() }
  }

  /// `name(a, b) =` ahead: the parameter names; nil when this is a call, not a definition.
  func functionDefinitionParameters() -> [String]? {
    var k = position + 2
    var names: [String] = []
    if tokens[Swift.min(k, tokens.count - 1)].isSymbol(")") {
      return tokens[Swift.min(k + 1, tokens.count - 1)].isSymbol("=") ? [] : nil
    }
    while k < tokens.count {
      guard case .identifier(let n) = tokens[k].kind else { return nil }
      names.append(n)
      k += 1
      guard k < tokens.count else { return nil }
      if tokens[k].isSymbol(")") {
        return k + 1 < tokens.count && tokens[k + 1].isSymbol("=") ? names : nil
      }
      guard tokens[k].isSymbol(",") else { return nil }
      k += 1
    }
    return nil
  }

  /// `a, b, c =` ahead: the names; nil otherwise.
  func unpackNames() -> [String]? {
    var k = position
    var names: [String] = []
    while k < tokens.count {
      guard case .identifier(let n) = tokens[k].kind else { return nil }
      names.append(n)
      k += 1
      guard k < tokens.count else { return nil }
      if tokens[k].isSymbol("=") { return names.count >= 2 ? names : nil }
      guard tokens[k].isSymbol(",") else { return nil }
      k += 1
    }
    return nil
  }

  mutating func parseFor() throws(Diagnostic) -> Statement.Kind {
    _ = advance()
    guard case .identifier(let variable) = current.kind else {
      throw error("expected a loop variable after 'for'")
    }
    _ = advance()
    guard current.isKeyword("in") else { throw error("expected 'in' after the loop variable") }
    _ = advance()
    let sequence = try parseExpression()
    let body = try parseBlock()
    return .forLoop(variable: variable, sequence: sequence, body: body)
  }

  /// `{ statements }`.
  mutating func parseBlock() throws(Diagnostic) -> [Statement] {
    _ = try expect("{", "to open a block")
    try enter()
    defer { depth -= 1 }
    var statements: [Statement] = []
    skipSeparators()
    while !current.isSymbol("}") {
      if current.kind == .end { throw error("expected '}' to close the block") }
      statements.append(try parseStatement(inBlock: true))
      skipSeparators()
    }
    _ = advance()
    return statements
  }

  mutating func enter() throws(Diagnostic) {
    depth += 1
    if depth > Parser.maximumDepth {
      throw Diagnostic("expression nested too deeply (more than \(Parser.maximumDepth) levels)", at: current.range)
    }
  }

  public mutating func parseExpression() throws(Diagnostic) -> Expr {
    try enter()
    defer { depth -= 1 }
    return try parseComparison()
  }

  mutating func parseComparison() throws(Diagnostic) -> Expr {
    var lhs = try parseRange()
    while case .symbol(let s) = current.kind, ["==", "!=", "<", "<=", ">", ">="].contains(s) {
      let op = advance()
      try link()
      let rhs = try parseRange()
      lhs = Expr(.binary(op: s, lhs: lhs, rhs: rhs, opRange: op.range), lhs.range.union(rhs.range))
    }
    return lhs
  }

  mutating func parseRange() throws(Diagnostic) -> Expr {
    let lhs = try parseAdditive()
    guard current.isSymbol("..") else { return lhs }
    _ = advance()
    let rhs = try parseAdditive()
    return Expr(.range(lhs, rhs), lhs.range.union(rhs.range))
  }

  mutating func parseAdditive() throws(Diagnostic) -> Expr {
    var lhs = try parseMultiplicative()
    while case .symbol(let s) = current.kind, s == "+" || s == "-" {
      let op = advance()
      try link()
      let rhs = try parseMultiplicative()
      lhs = Expr(.binary(op: s, lhs: lhs, rhs: rhs, opRange: op.range), lhs.range.union(rhs.range))
    }
    return lhs
  }

  mutating func parseMultiplicative() throws(Diagnostic) -> Expr {
    var lhs = try parseUnary()
    while case .symbol(let s) = current.kind, s == "*" || s == "/" || s == "@" || s == "%" || s == "//" {
      let op = advance()
      try link()
      let rhs = try parseUnary()
      lhs = Expr(.binary(op: s, lhs: lhs, rhs: rhs, opRange: op.range), lhs.range.union(rhs.range))
    }
    return lhs
  }

  mutating func parseUnary() throws(Diagnostic) -> Expr {
    if case .symbol(let s) = current.kind, s == "-" || s == "+" {
      let op = advance()
      try enter()
      defer { depth -= 1 }
      let operand = try parseUnary()
      return Expr(.unary(op: s, operand: operand), op.range.union(operand.range))
    }
    return try parsePower()
  }

  mutating func parsePower() throws(Diagnostic) -> Expr {
    let base = try parsePostfix()
    guard case .symbol(let s) = current.kind, s == "^" || s == "**" else { return base }
    let op = advance()
    try enter()
    defer { depth -= 1 }
    // Right-associative, and the exponent may carry a sign: 2^-1, 2^3^2 = 2^9.
    let exponent = try parseUnary()
    return Expr(.binary(op: "^", lhs: base, rhs: exponent, opRange: op.range), base.range.union(exponent.range))
  }

  mutating func parsePostfix() throws(Diagnostic) -> Expr {
    var expr = try parsePrimary()
    while true {
      if current.isSymbol("(") || current.isSymbol("[") || current.isSymbol("'") || current.isSymbol(".") { try link() }
      if current.isSymbol("(") {
        _ = advance()
        let arguments = try parseArguments()
        let close = try expect(")", "to close the call")
        expr = Expr(.call(callee: expr, arguments: arguments), expr.range.union(close.range))
      } else if current.isSymbol("[") {
        _ = advance()
        let items = try parseIndexItems()
        let close = try expect("]", "to close the index")
        expr = Expr(.index(base: expr, items: items), expr.range.union(close.range))
      } else if current.isSymbol("'") {
        let t = advance()
        expr = Expr(.transpose(expr), expr.range.union(t.range))
      } else if current.isSymbol(".") {
        _ = advance()
        guard case .identifier(let name) = current.kind else {
          throw error("expected a member name after '.' (such as .T or .shape)")
        }
        let t = advance()
        expr = Expr(.member(base: expr, name: name, nameRange: t.range), expr.range.union(t.range))
      } else {
        return expr
      }
    }
  }

  mutating func parseArguments() throws(Diagnostic) -> [Argument] {
    var arguments: [Argument] = []
    while !current.isSymbol(")") {
      if case .identifier(let name) = current.kind, peek(1).isSymbol(":") || peek(1).isSymbol("=") {
        let label = advance()
        _ = advance()
        arguments.append(Argument(label: name, labelRange: label.range, value: try parseExpression()))
      } else {
        arguments.append(Argument(label: nil, labelRange: nil, value: try parseExpression()))
      }
      if current.isSymbol(",") {
        _ = advance()
      } else if !current.isSymbol(")") {
        throw error("expected ',' or ')' in the argument list")
      }
    }
    return arguments
  }

  mutating func parseIndexItems() throws(Diagnostic) -> [IndexArgument] {
    var items: [IndexArgument] = []
    while !current.isSymbol("]") {
      let start = current.range
      var parts: [Expr?] = []
      var sawColon = false
      var part: Expr? = nil
      if !current.isSymbol(":") && !current.isSymbol(",") && !current.isSymbol("]") {
        part = try parseExpression()
      }
      parts.append(part)
      while current.isSymbol(":") {
        sawColon = true
        _ = advance()
        var next: Expr? = nil
        if !current.isSymbol(":") && !current.isSymbol(",") && !current.isSymbol("]") {
          next = try parseExpression()
        }
        parts.append(next)
      }
      let end = position > 0 ? tokens[position - 1].range : start
      if sawColon {
        guard parts.count <= 3 else { throw error("a slice has at most start:stop:step") }
        items.append(
          .slice(
            start: parts[0], stop: parts.count > 1 ? parts[1] : nil, step: parts.count > 2 ? parts[2] : nil,
            range: start.union(end)))
      } else if let only = parts[0] {
        items.append(.expression(only))
      } else {
        throw error("expected an index")
      }
      if current.isSymbol(",") {
        _ = advance()
      } else if !current.isSymbol("]") {
        throw error("expected ',' or ']' in the index")
      }
    }
    return items
  }

  mutating func parsePrimary() throws(Diagnostic) -> Expr {
    let t = current
    switch t.kind {
    case .number(let v):
      _ = advance()
      return Expr(.number(v), t.range)
    case .string(let s):
      _ = advance()
      return Expr(.string(s), t.range)
    case .identifier(let name):
      _ = advance()
      return Expr(.identifier(name), t.range)
    case .keyword("if"):
      return try parseIf()
    case .symbol("("):
      _ = advance()
      skipNewlines()
      let inner = try parseExpression()
      let close = try expect(")", "to close the parenthesis")
      return Expr(inner.kind, t.range.union(close.range))
    case .symbol("["):
      return try parseBracket()
    case .symbol("{"):
      let statements = try parseBlock()
      return Expr(.block(statements), t.range.union(tokens[Swift.max(position - 1, 0)].range))
    default:
      throw error("expected a value")
    }
  }

  mutating func parseIf() throws(Diagnostic) -> Expr {
    let start = advance()
    let condition = try parseExpression()
    let then = try parseBlock()
    var otherwise: [Statement]? = nil
    // `else` may start the next line.
    var k = position
    while tokens[Swift.min(k, tokens.count - 1)].kind == .newline { k += 1 }
    if tokens[Swift.min(k, tokens.count - 1)].isKeyword("else") {
      position = k
      _ = advance()
      if current.isKeyword("if") {
        let nested = try parseIf()
        otherwise = [Statement(kind: .expression(nested), range: nested.range, suppressed: false)]
      } else {
        otherwise = try parseBlock()
      }
    }
    let end = tokens[Swift.max(position - 1, 0)].range
    return Expr(.ifElse(condition: condition, then: then, otherwise: otherwise), start.range.union(end))
  }

  /// `[a, b]`, `[[1, 2], [3, 4]]`, `[1, 2; 3, 4]`, `[]`.
  mutating func parseBracket() throws(Diagnostic) -> Expr {
    let open = advance()
    var rows: [[Expr]] = [[]]
    var rowSeparated = false
    while !current.isSymbol("]") {
      rows[rows.count - 1].append(try parseExpression())
      if current.isSymbol(",") {
        _ = advance()
      } else if case .semicolon = current.kind {
        _ = advance()
        rowSeparated = true
        rows.append([])
      } else if !current.isSymbol("]") {
        throw error("expected ',', ';' or ']' in the bracket")
      }
    }
    let close = advance()
    if rowSeparated, rows.last?.isEmpty == true, rows.count > 1 { rows.removeLast() }
    return Expr(.bracket(rows: rows, rowSeparated: rowSeparated), open.range.union(close.range))
  }
}
