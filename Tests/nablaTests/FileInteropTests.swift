import Foundation
import NablaChildProcess
import NablaTestSupport
import Testing

let python3Available =
  FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
  || (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
    FileManager.default.isExecutableFile(atPath: "\($0)/python3")
  }

/// Files nabla writes, read back by NumPy itself.
@Suite("NumPy reads what nabla saves", .enabled(if: python3Available))
struct FileInteropTests {
  let scratch = ScratchDirectory("nabla-interop")
  func python(_ code: String) throws -> String {
    try ChildProcess.run("python3", ["-c", code]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  @Test("trained weights saved as .npy and .npz load in NumPy with the same values")
  func saveThenNumpy() throws {
    let base = scratch.path("weights")
    let run = try nabla([
      "-e",
      "W = [1.5, -2; 1e-300, 4]; b = [0.1, 0.2, 0.3]; save(W, \"\(base).npy\"); save([W, b], \"\(base).npz\"); sum(W)",
    ])
    #expect(run.status == 0)
    let out = try python(
      "import numpy as np; w = np.load('\(base).npy'); z = np.load('\(base).npz'); print(w.dtype, w.shape, repr(w.sum()), list(z.keys()), z['arr_1'].tolist())"
    )
    #expect(out == "float64 (2, 2) np.float64(3.5) ['arr_0', 'arr_1'] [0.1, 0.2, 0.3]")
  }
}
