import Foundation
import NablaChildProcess
import NablaTestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// Hostile input that reaches the large paths: allocation, files, long loops. Every one is an
/// error (or the right value) with a location, and the session goes on.
@Suite("Hostile input: memory, files, loops")
struct HostileInputLimitsTests {
  let scratch = ScratchDirectory("nabla-hostile")
  var directory: URL { scratch.url }

  func file(_ name: String, _ bytes: [UInt8]) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
  }

  /// A version 1.0 `.npy` header for `shape` (as text), padded as NumPy pads it.
  func npyHeader(_ shape: String) -> [UInt8] {
    var header = "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }"
    header += String(repeating: " ", count: 63 - (10 + header.count) % 64) + "\n"
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count & 0xFF), UInt8(header.count >> 8)]
      + Array(header.utf8)
  }

  /// A zip archive of one member deflated as stored blocks, its directory claiming `size`.
  func npz(_ content: [UInt8], claimedSize: UInt32) -> [UInt8] {
    var deflated: [UInt8] = []
    var rest = content[...]
    repeat {
      let block = rest.prefix(65535)
      rest = rest.dropFirst(block.count)
      let n = UInt16(block.count)
      deflated += [rest.isEmpty ? 1 : 0, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)] + block
    } while !rest.isEmpty
    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    func le32(_ v: UInt32) -> [UInt8] { le16(Int(v & 0xFFFF)) + le16(Int(v >> 16)) }
    let name = Array("arr_0.npy".utf8)
    let local =
      le32(0x0403_4b50) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0) + le32(0) + le32(UInt32(deflated.count))
      + le32(claimedSize) + le16(name.count) + le16(0) + name + deflated
    let central =
      le32(0x0201_4b50) + le16(20) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0) + le32(0)
      + le32(UInt32(deflated.count)) + le32(claimedSize) + le16(name.count) + le16(0) + le16(0) + le16(0) + le16(0)
      + le32(0) + le32(0) + name
    let end =
      le32(0x0605_4b50) + le16(0) + le16(0) + le16(1) + le16(1) + le32(UInt32(central.count))
      + le32(UInt32(local.count)) + le16(0)
    return local + central + end
  }

  @Test("an allocation past the memory available is an error naming the shape and size; the session goes on")
  func allocation() throws {
    let capped = ["NABLA_MEMORY_LIMIT": "1G"]
    let run = try nabla([], stdin: "x = zeros(8192, 8192)\ny = x + 1\nshape(x)\n", environment: capped)
    #expect(run.stderr.contains("needs") && run.stderr.contains("of memory") && run.stderr.contains("(line 2"))
    #expect(run.stdout == "[8192, 8192]\n", "\(run.stderr)")
    let big = try nabla(["-e", "zeros(16384, 16384)"], environment: capped)
    #expect(big.stderr.contains("[16384, 16384] needs 2.0 GiB of memory"), "\(big.stderr)")
    #expect(try nabla(["-e", "1"], environment: ["NABLA_MEMORY_LIMIT": "lots"]).stderr.contains("not a size"))
  }

  @Test(".npy and .npz headers are checked before anything is read or reserved")
  func numpyFiles() throws {
    let cases: [(String, [UInt8], String)] = [
      ("big70.npy", npyHeader("(1180591620717411303424,)"), "not a whole number that fits in 64 bits"),
      ("frac.npy", npyHeader("(2.5,)") + [UInt8](repeating: 0, count: 16), "has 2.5, not a whole number"),
      (
        "claims4g.npz", npz(npyHeader("(2,)") + [UInt8](repeating: 0, count: 16), claimedSize: 0xFFFF_FFFF),
        "claims 4.0 GiB"
      ),
      (
        "shape1e9.npz", npz(npyHeader("(1000000000,)") + [UInt8](repeating: 0, count: 4096), claimedSize: 4224),
        "the shape (1000000000,) is too large"
      ),
    ]
    for (name, bytes, message) in cases {
      let path = try file(name, bytes)
      let run = try nabla([], stdin: "keep = 1\nload(\"\(path)\")\nkeep\n")
      #expect(run.stderr.contains(message) && run.stderr.contains("(line 2, column 6)"), "\(name): \(run.stderr)")
      #expect(run.stdout == "1\n")
    }
    // 3 GiB on disk (sparse), claiming 10^9 values: refused from its header.
    let sparse = try file("sparse.npy", npyHeader("(1000000000,)"))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: sparse))
    try handle.truncate(atOffset: 3 << 30)
    try handle.close()
    let run = try nabla(["-e", "load(\"\(sparse)\")"], environment: ["NABLA_MEMORY_LIMIT": "500M"])
    #expect(run.stderr.contains("the shape (1000000000,) is too large"), "\(run.stderr)")
  }

  @Test("a directory, a device, a FIFO: the error says why")
  func specialFiles() throws {
    let fifo = directory.appendingPathComponent("fifo").path
    #expect(mkfifo(fifo, 0o600) == 0)
    for (path, reason) in [
      (directory.path, "is a directory"), ("/dev/zero", "not a regular file"), (fifo, "not a regular file"),
      (directory.appendingPathComponent("none.npy").path, "no such file"),
    ] {
      let run = try nabla(["-e", "load(\"\(path)\")"])
      #expect(run.stderr.contains("cannot read \(path): \(reason)"), "\(run.stderr)")
    }
  }

  @Test("CSV: a BOM is skipped, an empty cell is an error by row and column or missing: nan, a header is noted")
  func csv() throws {
    let bom = try file("bom.csv", [0xEF, 0xBB, 0xBF] + Array("1,2\n3,4\n".utf8))
    #expect(try nabla(["-e", "load(\"\(bom)\")"]).stdout == "[2, 2]\n1  2\n3  4\n")
    let empty = try file("empty.csv", Array("1,2\n3,\n".utf8))
    #expect(try nabla(["-e", "load(\"\(empty)\")"]).stderr.contains("row 2, column 2 is empty"))
    #expect(try nabla(["-e", "load(\"\(empty)\", missing: nan)"]).stdout == "[2, 2]\n  1    2\n  3  nan\n")
    let header = try file("header.csv", Array("a,b\n1,2\n".utf8))
    let run = try nabla(["-e", "load(\"\(header)\")"])
    #expect(run.stdout == "[1, 2]\n1  2\n" && run.stderr.contains("(a,b) is not numeric: read as a header"))
  }

  @Test("loops past 2^53 count with integers; 0..nan is an error; a line of 10^6 ; ends")
  func loops() throws {
    let run = try nabla(
      [],
      stdin:
        "n = 0\nfor i in 9007199254740992..9007199254740994 { n += 1 }\nn\nm = 0\nfor i in range(2^53, 2^53 + 2) { m += 1 }\nm\n"
    )
    #expect(run.stdout == "2\n2\n", "\(run.stderr)")
    #expect(try nabla(["-e", "0..nan"]).stderr.contains("the end of a range must be a number, not nan"))
    #expect(try nabla(["-e", "for i in nan..1 { }"]).stderr.contains("the start of a range must be a finite number"))
    let semicolons = try nabla([], stdin: String(repeating: ";", count: 1_000_000) + "\n7\n")
    #expect(semicolons.stdout == "7\n")
  }

  @Test("a loop's history past its budget is dropped with a note, and memory stays bounded")
  func historyBudget() throws {
    // A 300 MiB cap makes the budget about 100 MiB: 80 KB a step passes it in ~1500 steps.
    let run = try nabla(
      ["-e", "acc = zeros(10000); for i in range(3000) { acc = acc + 1 }; acc[0]"],
      environment: ["NABLA_MEMORY_LIMIT": "300M"])
    #expect(run.stdout == "3000\n", "\(run.stderr)")
    #expect(run.stderr.contains("note: the history of acc") && run.stderr.contains("it was dropped"))
  }

  @Test("notes where the contract promises them; slices clamp; an index too large says so")
  func notes() throws {
    #expect(try nabla(["-e", "[1e400, 1]"]).stderr.contains("note: 1e400 is too large for a Double, so it is inf"))
    #expect(try nabla(["-e", "g = grad(sqrt); g(0)"]).stderr.contains("note: g(0) gives inf"))
    #expect(try nabla(["-e", "keep = [1, 2, 3]; keep[0:2^63]"]).stdout == "[1  2  3]\n")
    #expect(try nabla(["-e", "keep = [1, 2, 3]; keep[2^63]"]).stderr.contains("an index is too large: 2^63"))
    #expect(try nabla(["-e", "zeros(2^50)"]).stderr.contains("a size of 2^50 is too large"))
    // Found by the fuzzer: a shape of 4847 axes took seconds to print; NumPy allows 64.
    #expect(
      try nabla(["-e", "zeros(2, ones(100))"]).stderr.contains("at most 64 axes (as in NumPy), and this shape has 101"))
  }
}

/// Fuzz/corpus-large, replayed as `make fuzz-large` runs an input: the standard size limits,
/// memory capped through the allocation check, in the fuzz target's own process.
@Suite("Fuzz corpus, large inputs")
struct LargeFuzzCorpusTests {
  @Test("every input of Fuzz/corpus-large runs to an end within the memory cap")
  func replay() throws {
    let corpus = packageRoot.appendingPathComponent("Fuzz/corpus-large")
    let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
    #expect(files.count >= 17)
    let binary = packageRoot.appendingPathComponent(".build/debug/nabla-fuzz").path
    var environment = ProcessInfo.processInfo.environment
    environment["NABLA_FUZZ_LIMITS"] = "large"
    let run = try ChildProcess.run(
      binary, files.map { corpus.appendingPathComponent($0).path }, environment: environment, timeout: 600)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.split(separator: "\n").filter { $0.hasPrefix("ok ") }.count == files.count)
  }
}
