import NablaSession

#if canImport(Glibc)
  import Glibc
#endif

/// Feeds text nobody has read to the lexer, parser and interpreter, in a fresh session under
/// `ResourceLimits.untrusted`: any trap is a crash libFuzzer keeps, and an input that runs too
/// long or allocates too much is a finding too.
///
/// With NABLA_FUZZ_LIMITS=large (`make fuzz-large`), the sizes keep the standard limit and only
/// memory is capped, through the allocation check (`ResourceLimits.large`), so inputs reach the
/// paths that size large results, files and histories.
enum FuzzInput {
  static let limits: ResourceLimits = {
    guard let mode = getenv("NABLA_FUZZ_LIMITS"), String(cString: mode) == "large" else { return .untrusted }
    ResourceLimits.capMemoryForLargeInputs()
    return .large
  }()

  static func run(_ bytes: UnsafeRawBufferPointer) {
    let text = String(decoding: bytes, as: UTF8.self)
    let session = Session(write: { _, _ in })
    session.limits = limits
    session.run(text)
  }
}

#if NABLA_LIBFUZZER
  // Built by `make fuzz` with -sanitize=fuzzer,address: libFuzzer drives the input.
  @_cdecl("LLVMFuzzerTestOneInput")
  public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    FuzzInput.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
  }

  typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
  @_silgen_name("LLVMFuzzerRunDriver")
  func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: FuzzCallback
  ) -> Int32

  // SwiftPM links an executable against `<module>_main`; -parse-as-library does not emit it.
  @_cdecl("nabla_fuzz_main")
  public func fuzzMain(
    _ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
  ) -> Int32 {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
  }
#else
  /// Without libFuzzer: replays the files named on the command line (a crash file, the corpus).
  @main
  struct FuzzReplay {
    static func main() {
      for path in CommandLine.arguments.dropFirst() {
        guard let file = fopen(path, "rb") else {
          print("cannot read \(path)")
          continue
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
          let n = fread(&buffer, 1, buffer.count, file)
          if n <= 0 { break }
          bytes += buffer[0..<n]
        }
        fclose(file)
        bytes.withUnsafeBytes { FuzzInput.run($0) }
        print("ok \(path)")
      }
    }
  }
#endif
