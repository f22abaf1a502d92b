import NablaTensor

#if canImport(Glibc)
  import Glibc
#endif

/// Text files over `BinaryFile` (UTF-8).
public enum TextFile {
  public static func read(_ path: String) -> String? {
    BinaryFile.read(path).map { String(decoding: $0, as: UTF8.self) }
  }

  /// Writes to a temporary file beside `path`, then renames it over `path`: an interrupted write
  /// never leaves a half-written file.
  @discardableResult
  public static func writeAtomically(_ text: String, to path: String) -> Bool {
    BinaryFile.writeAtomically(Array(text.utf8), to: path)
  }

  /// `~/x` as $HOME/x, as a shell would; other paths as they are.
  public static func expandingHome(_ path: String) -> String {
    guard path == "~" || path.hasPrefix("~/"), let home = getenv("HOME") else { return path }
    return String(cString: home) + path.dropFirst()
  }

  /// The absolute path with links resolved (the path itself when it does not exist).
  static func canonicalPath(_ path: String) -> String {
    guard let resolved = realpath(path, nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved)
  }
}

/// Bytes from and to files, for `.npy`/`.npz`.
public enum BinaryFile {
  /// Why a file cannot be read, in the words an error message uses.
  public struct ReadError: Error, CustomStringConvertible {
    public let description: String
  }

  public static func read(_ path: String) -> [UInt8]? { try? contents(path) }

  /// The file's bytes (at most `limit` of them when given), or why they cannot be read: it does
  /// not exist, is a directory, is not a regular file (a device such as /dev/zero never ends, a
  /// FIFO may never end), or is larger than the memory available.
  public static func contents(_ path: String, limit: Int? = nil) throws(ReadError) -> [UInt8] {
    let path = TextFile.expandingHome(path)
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw ReadError(description: errno == ENOENT ? "no such file" : String(cString: strerror(errno)))
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw ReadError(description: "is a directory")
    default: throw ReadError(description: "not a regular file (a device, a pipe or a socket)")
    }
    let size = Int(info.st_size)
    if limit == nil, let shortfall = MemoryBudget.shortfall(size) {
      throw ReadError(description: "is \(MemoryBudget.describe(size)) and reading it \(shortfall)")
    }
    guard let file = fopen(path, "rb") else { throw ReadError(description: String(cString: strerror(errno))) }
    defer { fclose(file) }
    let wanted = Swift.min(size, limit ?? size)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(wanted)
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while bytes.count < wanted {
      let n = fread(&buffer, 1, Swift.min(buffer.count, wanted - bytes.count), file)
      if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
      if n == 0 { break }
    }
    guard ferror(file) == 0 else { throw ReadError(description: "a read error") }
    return bytes
  }

  /// Temporary file, then rename: an interrupted save never leaves a half-written file.
  public static func writeAtomically(_ bytes: [UInt8], to path: String) -> Bool {
    let path = TextFile.expandingHome(path)
    let temporary = path + ".tmp-\(getpid())"
    guard let file = fopen(temporary, "wb") else { return false }
    let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
    let flushed = fflush(file) == 0 && fsync(fileno(file)) == 0
    fclose(file)
    guard written == bytes.count, flushed, rename(temporary, path) == 0 else {
      unlink(temporary)
      return false
    }
    return true
  }
}
