/// What pdflatex (pandoc's default PDF engine) should print for each character outside ASCII
/// that a write-up uses: ∂, −, ᵀ, ⊙, Greek letters in prose and code, the box drawing and shades
/// of plots and images. pdflatex stops with an error at a character it has no definition for,
/// so an export declares every one its text contains (HTML and GitHub ignore the declarations).
public enum LaTeXUnicode {
  /// Replacements, as LaTeX that works in text, in math and in verbatim code blocks.
  static let table: [Unicode.Scalar: String] = {
    var t: [Unicode.Scalar: String] = [:]
    func math(_ pairs: [(Unicode.Scalar, String)]) {
      for (c, command) in pairs { t[c] = "\\ensuremath{\(command)}" }
    }
    math([
      ("α", "\\alpha"), ("β", "\\beta"), ("γ", "\\gamma"), ("δ", "\\delta"), ("ε", "\\epsilon"), ("ζ", "\\zeta"),
      ("η", "\\eta"), ("θ", "\\theta"), ("ι", "\\iota"), ("κ", "\\kappa"), ("λ", "\\lambda"), ("μ", "\\mu"),
      ("µ", "\\mu"), ("ν", "\\nu"), ("ξ", "\\xi"), ("π", "\\pi"), ("ρ", "\\rho"), ("σ", "\\sigma"), ("ς", "\\varsigma"),
      ("τ", "\\tau"), ("υ", "\\upsilon"), ("φ", "\\phi"), ("χ", "\\chi"), ("ψ", "\\psi"), ("ω", "\\omega"),
      ("Γ", "\\Gamma"), ("Δ", "\\Delta"), ("Θ", "\\Theta"), ("Λ", "\\Lambda"), ("Ξ", "\\Xi"), ("Π", "\\Pi"),
      ("Σ", "\\Sigma"), ("Υ", "\\Upsilon"), ("Φ", "\\Phi"), ("Ψ", "\\Psi"), ("Ω", "\\Omega"),
      ("∂", "\\partial"), ("∇", "\\nabla"), ("−", "-"), ("±", "\\pm"), ("×", "\\times"), ("·", "\\cdot"),
      ("⊙", "\\odot"), ("⊗", "\\otimes"), ("⊕", "\\oplus"), ("⊘", "\\oslash"), ("∘", "\\circ"), ("√", "\\surd"),
      ("∑", "\\sum"), ("∏", "\\prod"), ("∫", "\\int"), ("∞", "\\infty"), ("≈", "\\approx"), ("≠", "\\neq"),
      ("≤", "\\leq"), ("≥", "\\geq"), ("≡", "\\equiv"), ("∝", "\\propto"), ("∈", "\\in"), ("∉", "\\notin"),
      ("⊂", "\\subset"), ("∪", "\\cup"), ("∩", "\\cap"), ("∀", "\\forall"), ("∃", "\\exists"), ("→", "\\to"),
      ("←", "\\leftarrow"), ("↦", "\\mapsto"), ("⇒", "\\Rightarrow"), ("↑", "\\uparrow"), ("↓", "\\downarrow"),
      ("‖", "\\|"), ("⟨", "\\langle"), ("⟩", "\\rangle"), ("⌊", "\\lfloor"), ("⌋", "\\rfloor"), ("⌈", "\\lceil"),
      ("⌉", "\\rceil"), ("⋮", "\\vdots"), ("⋯", "\\cdots"), ("ℓ", "\\ell"), ("ℝ", "\\mathbb{R}"), ("′", "'"),
      ("″", "''"), ("ᵀ", "^{\\mathsf{T}}"), ("½", "\\frac{1}{2}"), ("°", "^{\\circ}"), ("◀", "\\blacktriangleleft"),
      ("▶", "\\blacktriangleright"), ("Ḡ", "\\bar{G}"), ("ḡ", "\\bar{g}"), ("ȳ", "\\bar{y}"), ("ŷ", "\\hat{y}"),
      ("Ā", "\\bar{A}"), ("Ū", "\\bar{U}"),
    ])
    // Superscripts and subscripts: digits, signs, parentheses and the letters nabla prints.
    let superscripts: [(Unicode.Scalar, String)] = [
      ("⁰", "0"), ("¹", "1"), ("²", "2"), ("³", "3"), ("⁴", "4"), ("⁵", "5"), ("⁶", "6"), ("⁷", "7"), ("⁸", "8"),
      ("⁹", "9"), ("⁺", "+"), ("⁻", "-"), ("⁽", "("), ("⁾", ")"), ("ⁿ", "n"), ("ˣ", "x"), ("ᵏ", "k"), ("ʲ", "j"),
      ("ᵐ", "m"), ("ⁱ", "i"),
    ]
    math(superscripts.map { ($0.0, "^{\($0.1)}") })
    let subscripts: [(Unicode.Scalar, String)] = [
      ("₀", "0"), ("₁", "1"), ("₂", "2"), ("₃", "3"), ("₄", "4"), ("₅", "5"), ("₆", "6"), ("₇", "7"), ("₈", "8"),
      ("₉", "9"), ("₊", "+"), ("₋", "-"), ("ₖ", "k"), ("ₙ", "n"), ("ᵢ", "i"), ("ⱼ", "j"), ("ᵤ", "u"),
    ]
    math(subscripts.map { ($0.0, "_{\($0.1)}") })
    // Text: dashes, quotes, the section sign, combining accents after their letter.
    for (c, text) in [
      ("—", "---"), ("–", "--"), ("…", "\\ldots{}"), ("“", "``"), ("”", "''"), ("‘", "`"), ("’", "'"),
      ("§", "\\S{}"), ("\u{00A0}", "~"), ("\u{0302}", "\\textasciicircum{}"), ("\u{0303}", "\\textasciitilde{}"),
      ("\u{0304}", "\\textasciimacron{}"), ("✓", "\\ensuremath{\\checkmark}"),
    ] as [(Unicode.Scalar, String)] {
      t[c] = text
    }
    // Plots and images, in characters any typewriter font has: the shades of `image` as its
    // ASCII ones, box drawing as | - +.
    for (c, text) in [
      ("░", "."), ("▒", ":"), ("▓", "+"), ("█", "\\#"), ("▀", "\\#"), ("▄", "\\#"), ("─", "-{}"), ("│", "\\textbar{}"),
      ("┤", "\\textbar{}"), ("├", "\\textbar{}"), ("└", "+"), ("┌", "+"), ("┐", "+"), ("┘", "+"), ("┬", "+"),
      ("┴", "+"), ("┼", "+"),
    ] as [(Unicode.Scalar, String)] {
      t[c] = text
    }
    return t
  }()

  /// The LaTeX for one character: from the table; a braille cell of a plot as a dot (blank
  /// when empty); anything else as its code point in brackets, so the PDF still builds.
  static func replacement(_ c: Unicode.Scalar) -> String {
    if let known = table[c] { return known }
    if (0x2800...0x28FF).contains(c.value) { return c.value == 0x2800 ? "~" : "\\textperiodcentered{}" }
    let hex = String(c.value, radix: 16, uppercase: true)
    return "[U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex)]"
  }

  /// `\DeclareUnicodeCharacter` lines for every character outside ASCII in `text` (sorted, so
  /// an export is the same every time).
  public static func declarations(for text: String) -> [String] {
    let used = Set(text.unicodeScalars.filter { $0.value > 0x7F })
    return used.sorted { $0.value < $1.value }.map { c in
      let hex = String(c.value, radix: 16, uppercase: true)
      let code = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
      return "\\DeclareUnicodeCharacter{\(code)}{\(replacement(c))}"
    }
  }
}
