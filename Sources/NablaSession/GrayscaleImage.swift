import NablaTensor

/// A small grayscale image (a digit, a feature map) drawn in the terminal: one pixel as two
/// characters of a shade, the densest for the largest value (ink on paper reads as ink), or
/// ASCII shades when the terminal cannot show Unicode blocks.
struct GrayscaleImage {
  let ascii: Bool

  /// Shades from the smallest value to the largest.
  var shades: [String] { ascii ? [" ", ".", ":", "+", "#"] : [" ", "░", "▒", "▓", "█"] }

  /// The rows of `t` ([H, W], or [1, H, W], or [C, H, W] drawn side by side), scaled between its
  /// smallest and largest finite values (a constant image is drawn in the lightest shade).
  func render(_ t: Tensor) -> [String] {
    let planes: Int
    let (h, w): (Int, Int)
    switch t.rank {
    case 2: (planes, h, w) = (1, t.shape[0], t.shape[1])
    case 3: (planes, h, w) = (t.shape[0], t.shape[1], t.shape[2])
    default: return []
    }
    let finite = t.data.filter(\.isFinite)
    let lo = finite.min() ?? 0
    let hi = finite.max() ?? 0
    let top = shades.count - 1
    var lines: [String] = []
    for i in 0..<h {
      var line = ""
      for p in 0..<planes {
        if p > 0 { line += "  " }
        for j in 0..<w {
          let v = t.data[p * h * w + i * w + j]
          let level = v.isFinite && hi > lo ? Int(((v - lo) / (hi - lo) * Double(top)).rounded()) : 0
          let shade = shades[Swift.min(Swift.max(level, 0), top)]
          line += shade + shade
        }
      }
      lines.append(line)
    }
    return lines
  }
}
