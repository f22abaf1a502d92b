/// An error a user can act on: what went wrong, where, and what might have been meant.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
  public var message: String
  /// Where in the source; nil when the error has no single place (a failed file read).
  public var range: SourceRange?
  /// Further lines: the expected signature, the shapes involved.
  public var notes: [String]
  /// "did you mean softmax?"
  public var suggestion: String?
  /// The input ended where more was expected: the REPL asks for a continuation line.
  public var isIncomplete: Bool
  /// The text `range` points into when it is not the failing statement's: the body of a
  /// function defined earlier. Nil means the statement's own text.
  public var source: SourceText? = nil

  public init(
    _ message: String, at range: SourceRange?, notes: [String] = [], suggestion: String? = nil,
    incomplete: Bool = false
  ) {
    self.message = message
    self.range = range
    self.notes = notes
    self.suggestion = suggestion
    self.isIncomplete = incomplete
  }

  public var description: String {
    var s = message
    if let suggestion { s += "; did you mean \(suggestion)?" }
    return s
  }
}

/// Edit distance, to suggest the name a user probably meant.
public enum NameSuggestion {
  /// The candidate closest to `name` (Damerau–Levenshtein), if it is close enough to be a typo.
  public static func nearest(to name: String, in candidates: [String]) -> String? {
    // A beginning typed in full (`ax:` for axis, `pad:` for padding) beats a close spelling.
    let extensions = candidates.filter { $0.count > name.count && $0.hasPrefix(name) && name.count >= 2 }
    if let shortest = extensions.min(by: { ($0.count, $0) < ($1.count, $1) }) { return shortest }
    let target = Array(name.lowercased())
    var best: (String, Int)?
    for candidate in candidates where candidate != name {
      // At most 3 edits apart, so lengths further apart cannot match (and a 1 MB name costs
      // no quadratic distance table).
      guard Swift.abs(candidate.count - target.count) <= 3 else { continue }
      let d = distance(target, Array(candidate.lowercased()))
      let limit = Swift.max(1, Swift.min(3, (Swift.max(target.count, candidate.count) + 1) / 3))
      guard d <= limit else { continue }
      if let (bestName, bestDistance) = best, bestDistance < d || (bestDistance == d && bestName < candidate) {
        continue
      }
      best = (candidate, d)
    }
    return best?.0
  }

  static func distance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in 1...a.count {
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        d[i][j] = Swift.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          d[i][j] = Swift.min(d[i][j], d[i - 2][j - 2] + 1)
        }
      }
    }
    return d[a.count][b.count]
  }
}
