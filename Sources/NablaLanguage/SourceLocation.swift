/// A position in source text: 1-based line and column (columns count Unicode scalars).
public struct SourceLocation: Sendable, Equatable, Comparable {
  public var line: Int
  public var column: Int
  /// Offset in Unicode scalars from the start of the source.
  public var offset: Int

  public init(line: Int, column: Int, offset: Int) {
    self.line = line
    self.column = column
    self.offset = offset
  }

  public static func < (a: SourceLocation, b: SourceLocation) -> Bool { a.offset < b.offset }
}

/// A half-open span of source text, from `start` up to `end`.
public struct SourceRange: Sendable, Equatable {
  public var start: SourceLocation
  public var end: SourceLocation

  public init(_ start: SourceLocation, _ end: SourceLocation) {
    self.start = start
    self.end = end
  }

  /// The smallest range covering both.
  public func union(_ other: SourceRange) -> SourceRange {
    SourceRange(Swift.min(start, other.start), Swift.max(end, other.end))
  }
}

/// The text a range covers, for naming operands in messages.
public struct SourceText: Sendable, Equatable {
  public let scalars: [Unicode.Scalar]
  public let text: String
  /// The line of the file (or of the session's input) that the text's first line is.
  public let firstLine: Int

  public init(_ text: String, firstLine: Int = 1) {
    self.text = text
    self.scalars = Array(text.unicodeScalars)
    self.firstLine = firstLine
  }

  public static func == (a: SourceText, b: SourceText) -> Bool { a.firstLine == b.firstLine && a.text == b.text }

  public func slice(_ range: SourceRange) -> String {
    let lo = Swift.max(0, Swift.min(range.start.offset, scalars.count))
    let hi = Swift.max(lo, Swift.min(range.end.offset, scalars.count))
    var s = String.UnicodeScalarView()
    s.append(contentsOf: scalars[lo..<hi])
    return String(s)
  }

  /// The full text of 1-based `line`, or "" when out of range.
  public func line(_ number: Int) -> String {
    var current = 1
    var result = String.UnicodeScalarView()
    for scalar in scalars {
      if scalar == "\n" {
        if current == number { break }
        current += 1
        continue
      }
      if current == number { result.append(scalar) }
    }
    return String(result)
  }
}
