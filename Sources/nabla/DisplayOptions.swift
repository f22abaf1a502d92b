import ArgumentParser

/// How results print, for every command that prints them (the REPL, `-e`, `run`, `export`).
/// One option group, shared: ArgumentParser gives an option that a command and its subcommand
/// both declare to the command, so `nabla run --precision 6` needs the subcommand to share it.
struct DisplayOptions: ParsableArguments {
  @Option(help: "Digits after the decimal point.")
  var precision: Int = 4

  @Flag(help: "Print one JSON object per result.")
  var json = false

  @Flag(name: .customLong("no-color"), help: "No colored output (NO_COLOR is respected too).")
  var noColor = false

  @Flag(help: "Plots and loss curves in plain ASCII (also NABLA_ASCII=1 or a non-UTF-8 locale).")
  var ascii = false

  func validate() throws {
    guard (0...17).contains(precision) else { throw ValidationError("--precision must be from 0 to 17") }
  }
}
