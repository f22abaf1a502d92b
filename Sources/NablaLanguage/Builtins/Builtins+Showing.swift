extension Builtins {
  static let showing: [Builtin] = [
    Builtin(
      "print", [Parameter("values", .any, default: .absent, variadic: true)], category: "Showing",
      doc: "Prints its arguments on one line (strings as text).", example: "print(\"loss\", 0.25)"
    ) { c in
      var values: [Value] = []
      if let first = c.argument("values") { values.append(first.value) }
      values.append(contentsOf: c.rest.map(\.value))
      c.interpreter.printHandler(values)
      return .nothing
    }
  ]
}
