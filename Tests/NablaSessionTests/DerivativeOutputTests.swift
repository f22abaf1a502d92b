import Testing

@testable import NablaSession

/// How derivatives show: titled gradients, Jacobian and Hessian tables, blocks for matrix-valued
/// functions, gradcheck's verdict, and the notes and errors around them.
@Suite("Derivative output")
struct DerivativeOutputTests {
  /// Runs statements and returns (values, diagnostics) as written.
  func run(_ source: String) -> (String, String) {
    var values: [String] = []
    var diagnostics: [String] = []
    let session = Session(write: { channel, text in
      if channel == .values { values.append(text) } else { diagnostics.append(text) }
    })
    // Line by line, as the REPL reads them (a `:command` is a line of its own).
    for line in source.split(separator: "\n") { session.run(String(line)) }
    return (values.joined(separator: "\n"), diagnostics.joined(separator: "\n"))
  }

  @Test("derive's legend sits beside the formula at 80 columns and below it at 40")
  func deriveLegendWidth() {
    for (width, head) in [
      (80, ["∂softmax(x)/∂x = diag(p) − p pᵀ        (p = softmax(x))"]),
      (40, ["∂softmax(x)/∂x = diag(p) − p pᵀ", "(p = softmax(x))"]),
    ] {
      var options = SessionOptions()
      options.width = width
      var values: [String] = []
      let session = Session(options: options, write: { channel, text in if channel == .values { values.append(text) } })
      session.run("x = [1, 2, 0.5]; p = softmax(x); derive(softmax(x), x)")
      let lines = values.joined(separator: "\n").split(separator: "\n").map(String.init)
      #expect(Array(lines.prefix(head.count)) == head, "width \(width)")
      // The value follows: the Jacobian diag(p) − p pᵀ, first entry p₀(1 − p₀) = 0.1778.
      #expect(lines.dropFirst(head.count).first == "[3, 3]", "width \(width)")
      #expect(lines.dropFirst(head.count + 1).first?.hasPrefix(" 0.1778") == true, "width \(width)")
    }
  }

  @Test(
    "a derivative through average pooling: the note names the adjoint by what it does; the value is a quarter of 2·avgpool"
  )
  func averagePoolingDerivative() {
    let (values, diagnostics) = run("x = reshape(arange(16), 1, 4, 4)\nderive(sum(avgpool2d(x, 2)^2), x)")
    #expect(diagnostics.contains("no closed form for avgpool2d's adjoint (each entry spread over its window) yet"))
    // ∂/∂x of Σ m² with m the 2×2 means: 2m/4 on every entry of m's window. The means of 0…15
    // are 2.5, 4.5, 10.5, 12.5, so the first row reads 1.25 1.25 2.25 2.25.
    #expect(values.contains("1.2500  1.2500  2.2500  2.2500"), "\(values)")
  }

  @Test("a Hessian prints as a table titled ∂²e/∂x²")
  func hessianTable() {
    let (out, _) = run("x = [1, 2]\nhessian(sum(x^3), x)")
    #expect(out == "∂²(sum(x^3))/∂x²\n      x[0]  x[1]\nx[0]     6     0\nx[1]     0    12")
  }

  @Test("a Jacobian of an expression labels its rows by the function called, or by y with y said")
  func expressionLabels() {
    let (call, _) = run("x = [1, 2]\njacobian(softmax(x), x)")
    #expect(call.hasPrefix("∂(softmax(x))/∂x\n               x[0]     x[1]\nsoftmax[0] "))
    let (sum, _) = run("x = [1, 2]\njacobian(x^2 + 1, x)")
    #expect(sum.hasPrefix("∂y/∂x, y = x^2 + 1\n      x[0]  x[1]\ny[0]     2     0"))
  }

  @Test("jacobian and hessian take a list of variables, as grad does")
  func listsOfVariables() {
    let (j, _) = run("W = [1, 2; 3, 4]\nx = [1, 2]\ny = W @ x\njacobian(y, [W, x])")
    #expect(
      j
        == "∂y/∂W\n      W[0,0]  W[0,1]  W[1,0]  W[1,1]\ny[0]       1       2       0       0\ny[1]       0       0       1       2\n\n∂y/∂x\n      x[0]  x[1]\ny[0]     1     2\ny[1]     3     4"
    )
    // e = a² Σ x³: ∂²e/∂x² = diag(6a²x), ∂²e/∂x∂a = 6a x², ∂²e/∂a² = 2 Σ x³.
    let (h, _) = run(
      "x = [1, 2]\na = 3\ne = sum(x^3) * a^2\nH = hessian(e, [x, a]);\nH[0][0]\nH[0][1]\nH[1][1]\nhessian(e, [x, a])")
    #expect(h.hasPrefix("[2, 2]\n 54    0\n  0  108\n[18  72]\n18\n∂²e/∂x²\n"))
    #expect(h.contains("∂²e/∂x∂a\n") && h.contains("∂²e/∂a∂x\n") && h.hasSuffix("∂²e/∂a²\n    a\na  18"))
  }

  @Test("a function differentiated at a literal point names the point by the function's parameter")
  func pointNamedByParameter() {
    let (gradient, _) = run("f(v) = sum(v^3)\ngrad(f, [1, 2])")
    #expect(gradient == "∂f/∂v\n[ 3  12]")
    let (hessian, _) = run("f(v) = sum(v^3)\nhessian(f, [1, 2])")
    #expect(hessian == "∂²f/∂v²\n      v[0]  v[1]\nv[0]     6     0\nv[1]     0    12")
    let (jacobian, _) = run("jacobian(softmax, [0, 0])")
    #expect(jacobian.hasPrefix("∂softmax/∂x\n") && jacobian.contains("softmax[1]"))
    // A name as written stays; gradcheck labels entries with the function's own name.
    let (named, _) = run("f(v) = sum(v^3)\nw = [1, 2]\ngrad(f, w)")
    #expect(named.hasPrefix("∂f/∂w\n"))
    let (check, _) = run("g(t) = t^2\ngradcheck(g, [1, 2])")
    #expect(check.contains("∂g[1]/∂t[1]"))
  }

  @Test("the Jacobian of a matrix-valued function prints as one labelled block per leading index")
  func jacobianBlocks() {
    let (out, _) = run("x = [1, 2]\nY = [1, 2; 3, 4] * x\njacobian(Y, x)")
    let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(lines[0] == "∂Y/∂x  shape [2, 2, 2]: rows are entries of Y, columns of x")
    #expect(lines.contains("Y[0,:]") && lines.contains("Y[1,:]"))
    #expect(lines.contains { $0.split(separator: " ") == ["Y[1,1]", "0", "4"] })
  }

  @Test("gradcheck prints a table and PASS, or FAIL with the likely cause")
  func gradcheck() {
    let (pass, _) = run("x = [1, 2, 0.5]\ngradcheck(softmax, x)")
    #expect(pass.contains("◀ worst"))
    #expect(pass.split(separator: "\n").last?.hasPrefix("PASS: worst error") == true)
    let (fail, _) = run("f(v) = sum(relu(v))\ngradcheck(f, [0, 1, -1])")
    #expect(fail.contains("FAIL"))
    #expect(fail.contains("likely cause: an input of relu is 0"))
    let (value, _) = run("ok = gradcheck(softmax, [1, 2]); ok")
    #expect(value == "1")
  }

  @Test("grad of a non-scalar suggests jacobian or vjp; a reassigned variable gives zeros and a note")
  func gradErrorsAndNotes() {
    let (_, error) = run("x = [1, 2]\ngrad(x * 2, x)")
    #expect(error.contains("use jacobian") && error.contains("vjp"))
    let (zeros, note) = run("x = [1, 2]\ne = sum(x^2)\nx = [3, 4]\ngrad(e, x)")
    #expect(zeros == "∂e/∂x\n[0  0]")
    #expect(note.contains("e does not depend on x as it is now"))
  }

  @Test("jvp and vjp print the products")
  func products() {
    // softmax's Jacobian diag(p) − ppᵀ at [1, 2, 0.5], first column (symmetric, so row alike).
    let (out, _) = run("x = [1, 2, 0.5]\njvp(softmax, x, [1, 0, 0])\nvjp(softmax, x, [1, 0, 0])")
    #expect(out == "[ 0.1778  -0.1453  -0.0324]\n[ 0.1778  -0.1453  -0.0324]")
    // A map that is not square: J v is a column of W, uᵀ J a row, so swapping them fails.
    let (linear, _) = run(
      "W = [1, 2, 3; 4, 5, 6]\nf(v) = W @ v\njvp(f, [0, 0, 0], [1, 0, 0])\nvjp(f, [0, 0, 0], [1, 0])")
    #expect(linear == "[1  4]\n[1  2  3]")
    // g(v) = [sin(v0)·v1, exp(v2)] at [0.5, 2, 0]: J e₀ = [2cos 0.5, 0], e₀ᵀJ = [2cos 0.5, sin 0.5, 0].
    let (nonlinear, _) = run(
      "g(v) = [sin(v[0]) * v[1], exp(v[2])]\njvp(g, [0.5, 2, 0], [1, 0, 0])\nvjp(g, [0.5, 2, 0], [1, 0])")
    #expect(nonlinear == "[1.7552  0.0000]\n[1.7552  0.4794  0.0000]")
  }

  @Test(":graph lists the steps; :explain follows the gradient's path back to x")
  func graphAndExplain() {
    let (graph, _) = run("x = [1, 2, 0.5]\ne = sum(softmax(x) * 2)\n:graph e")
    #expect(graph.contains("e: 3 operations on 2 leaves"))
    #expect(graph.contains("softmax(#") && graph.contains("sum(#"))
    #expect(graph.contains("#0  leaf x  [3]"))
    let (explain, _) = run("x = [1, 2, 0.5]\ny = [3, 4, 5]\ne = sum(softmax(x) * y)\n:explain grad(e, x)")
    // (diag(p) − ppᵀ) y = p ⊙ (y − pᵀy), with p = softmax(x).
    #expect(explain.hasPrefix("∂e/∂x = softmax(x) ⊙ (y − Σ(y ⊙ softmax(x)))   [3]"), "\(explain)")
    // Through the named intermediate p, as the homework writes it: ∂e/∂p = −t ⊘ p, then p − t.
    let (chain, _) = run(
      "x = [1, 2, 0.5]\nt = onehot(1, 3)\np = softmax(x)\ne = cross_entropy(p, t)\n:explain grad(e, x)")
    // At 80 columns the values go under each formula's =.
    #expect(
      chain == """
        ∂e/∂p = −t ⊘ p   [3]
              = [ 0.0000  -1.5910   0.0000]
        ∂e/∂x = (∂p/∂x)ᵀ ∂e/∂p = (diag(p) − p pᵀ)ᵀ(−t ⊘ p)   [3×3]ᵀ[3]
              = p − t   [3]
              = [ 0.2312  -0.3715   0.1402]
        """)
    // Where two paths meet, the gradients add.
    let (split, _) = run(
      "x = [1, -2]\nH = [1, 2; -1, 0.5]\nv = [0.1, 0.2]\nx3 = H @ x + v\ny = x + relu(x3)\ne = sum(y^2) / 2\n:explain grad(e, x)"
    )
    #expect(split.contains("∂e/∂x = (∂x3/∂x)ᵀ ∂e/∂x3 + (∂y/∂x)ᵀ ∂e/∂y: the gradients sum at the split"), "\(split)")
    #expect(split.contains("= y + Hᵀ (y ⊙ 1{x3 > 0})"), "\(split)")
    let (unrelated, _) = run("x = [1, 2]\ny = [3, 4]\ne = sum(y^2)\n:explain grad(e, x)")
    #expect(unrelated == "e does not depend on x as it is now: e is computed from y, not from x, so ∂e/∂x is zeros")
  }
}
