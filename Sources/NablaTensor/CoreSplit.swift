import Dispatch

/// Memory-bound passes over large tensors (a max pool's scan, its scatter, a bias gradient, the
/// finiteness check) split over the cores. One core streams only part of what the machine can
/// from memory, and at a batch of 64 images a convolution's 8 MB output no longer fits in one
/// core's cache: those passes, single-threaded, made the batch-64 step cost half as much again
/// per image as the batch-8 one while the products themselves were already split.
///
/// Every split is into independent units (planes, images, blocks of a plan) that write disjoint
/// memory, each unit's arithmetic in its usual order: the results are the same bits however
/// many parts there are.
enum CoreSplit {
  /// Below this many elements (512 KiB) a pass stays on the calling thread: waking a second
  /// thread costs 10–30 µs, which a pass over fewer elements does not win back.
  static let minimumElements = 1 << 16

  /// How many parts a pass over `elements` elements made of `units` independent units is split
  /// into: one for small passes, else one per core (at most one per unit).
  static func parts(elements: Int, units: Int) -> Int {
    guard elements >= minimumElements, units >= 2 else { return 1 }
    return Swift.min(units, Swift.max(1, Int(BLAS.defaultThreads)))
  }

  /// Calls `body` once per part with that part's contiguous range of `0..<units`: on this
  /// thread for one part, else on as many threads as parts, returning when all are done.
  static func forEachPart(units: Int, parts: Int, _ body: (Range<Int>) -> Void) {
    guard parts > 1 else {
      body(0..<units)
      return
    }
    DispatchQueue.concurrentPerform(iterations: parts) { part in
      body((units * part / parts)..<(units * (part + 1) / parts))
    }
  }
}
