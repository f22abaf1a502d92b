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
  public static func read(_ path: String) -> [UInt8]? {
    let path = TextFile.expandingHome(path)
    // Regular files only, and not absurdly large ones (a device such as /dev/zero never ends).
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size <= 4 << 30 else { return nil }
    guard let file = fopen(path, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = fread(&buffer, 1, buffer.count, file)
      if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
      if n < buffer.count { break }
    }
    return ferror(file) != 0 ? nil : bytes
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
