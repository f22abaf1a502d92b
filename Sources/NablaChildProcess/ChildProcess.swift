import Dispatch
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// What a finished child process wrote and how it ended.
public struct ChildProcessResult: Sendable {
  /// Everything the child wrote to stdout (empty when stdout was not captured).
  public var stdout: String
  /// Everything the child wrote to stderr (empty when stderr was not captured).
  public var stderr: String
  /// The exit status when the child exited, otherwise the signal that ended it.
  public var status: Int32
  /// True when the child exited; false when a signal ended it.
  public var exited: Bool
  /// True when the child outlived its time limit and was killed.
  public var timedOut: Bool
}

/// Runs a program to completion: posix_spawn, one poll loop that feeds stdin and drains stdout
/// and stderr, then a blocking `waitpid` on that one child.
///
/// The test suite and `nabla-bench` use this instead of Foundation's `Process`: on Linux,
/// `Process.waitUntilExit()` depends on a SIGCHLD that the runtime can miss when the signal is
/// delivered to a thread that does not expect it, and a test run then hangs forever on a child
/// that is already a zombie (seen with the tmux client that starts the tmux server).
public enum ChildProcess {
  public struct SpawnError: Error, CustomStringConvertible {
    public var program: String
    public var code: Int32
    public var description: String { "cannot start \(program): \(String(cString: strerror(code)))" }
  }

  /// Runs `program` (a path, or a name looked up in PATH) with `arguments`.
  ///
  /// - Parameters:
  ///   - environment: the child's whole environment; nil passes this process's own.
  ///   - input: bytes for the child's stdin; nil gives it /dev/null.
  ///   - captureOutput: false sends stdout and stderr to /dev/null (for daemons such as a tmux
  ///     server, which would otherwise hold the pipe open after the child exits).
  ///   - timeout: seconds after which the child is killed with SIGKILL.
  public static func run(
    _ program: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil,
    captureOutput: Bool = true, timeout: Double = 120
  ) throws -> ChildProcessResult {
    // A child that exits before reading all its input must not end this process.
    _ = ignoreBrokenPipes
    var inputPipe: [Int32] = [-1, -1]
    var outputPipe: [Int32] = [-1, -1]
    var errorPipe: [Int32] = [-1, -1]
    // Whatever happens below (a pipe that cannot be made), every end made so far is closed.
    defer { for fd in inputPipe + outputPipe + errorPipe where fd >= 0 { close(fd) } }
    // Pipes are made and spawned under one lock, close-on-exec: a child spawned at the same
    // time by another thread must not inherit these ends (it would hold them open).
    try spawnLock.withLock { _ in
      for wanted in [input != nil, captureOutput, captureOutput].enumerated() where wanted.element {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SpawnError(program: program, code: errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        switch wanted.offset {
        case 0: inputPipe = fds
        case 1: outputPipe = fds
        default: errorPipe = fds
        }
      }
    }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    if input != nil {
      posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
    } else {
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    }
    if captureOutput {
      posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
      posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
    } else {
      posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    }

    // The calling thread may block every signal (dispatch's worker threads do) and this process
    // may ignore SIGPIPE; the child starts with an empty mask and default dispositions instead.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGCHLD, SIGHUP] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let argv = ([program] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
    defer { for p in envp ?? [] { free(p) } }

    var pid = pid_t()
    let spawned = spawnLock.withLock { _ in
      if var envp { return posix_spawnp(&pid, program, &actions, &attributes, argv, &envp) }
      return posix_spawnp(&pid, program, &actions, &attributes, argv, environ)
    }
    guard spawned == 0 else { throw SpawnError(program: program, code: spawned) }

    // The child's ends belong to the child now.
    for fd in [inputPipe[0], outputPipe[1], errorPipe[1]] where fd >= 0 { close(fd) }
    inputPipe[0] = -1
    outputPipe[1] = -1
    errorPipe[1] = -1

    let bytes = Array((input ?? "").utf8)
    var written = 0
    if input != nil {
      _ = fcntl(inputPipe[1], F_SETFL, fcntl(inputPipe[1], F_GETFL) | O_NONBLOCK)
      if bytes.isEmpty {
        close(inputPipe[1])
        inputPipe[1] = -1
      }
    }
    var output: [UInt8] = []
    var errors: [UInt8] = []
    let deadline = monotonicSeconds() + timeout
    var timedOut = false
    var buffer = [UInt8](repeating: 0, count: 65536)

    while outputPipe[0] >= 0 || errorPipe[0] >= 0 || inputPipe[1] >= 0 {
      var fds: [pollfd] = []
      if outputPipe[0] >= 0 { fds.append(pollfd(fd: outputPipe[0], events: Int16(POLLIN), revents: 0)) }
      if errorPipe[0] >= 0 { fds.append(pollfd(fd: errorPipe[0], events: Int16(POLLIN), revents: 0)) }
      if inputPipe[1] >= 0 { fds.append(pollfd(fd: inputPipe[1], events: Int16(POLLOUT), revents: 0)) }
      let remaining = deadline - monotonicSeconds()
      if remaining <= 0 && !timedOut {
        timedOut = true
        kill(pid, SIGKILL)
        // Stop feeding it; keep draining until its writers are gone.
        if inputPipe[1] >= 0 {
          close(inputPipe[1])
          inputPipe[1] = -1
        }
        continue
      }
      let wait = timedOut ? 1000 : Int32(min(max(remaining, 0), 1) * 1000) + 1
      let ready = poll(&fds, nfds_t(fds.count), wait)
      if ready < 0 {
        if errno == EINTR { continue }
        break
      }
      if timedOut && ready == 0 {
        // Killed, yet something (a grandchild) still holds the pipes: stop reading.
        break
      }
      for entry in fds where entry.revents != 0 {
        if entry.fd == inputPipe[1] {
          let n = bytes.withUnsafeBufferPointer { all in
            all.baseAddress.map { write(entry.fd, $0 + written, all.count - written) } ?? 0
          }
          if n > 0 { written += n }
          if (n < 0 && errno != EAGAIN && errno != EINTR) || written == bytes.count {
            close(inputPipe[1])
            inputPipe[1] = -1
          }
          continue
        }
        let n = read(entry.fd, &buffer, buffer.count)
        if n > 0 {
          if entry.fd == outputPipe[0] { output += buffer[0..<n] } else { errors += buffer[0..<n] }
        } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
          if entry.fd == outputPipe[0] {
            close(outputPipe[0])
            outputPipe[0] = -1
          } else {
            close(errorPipe[0])
            errorPipe[0] = -1
          }
        }
      }
    }

    // The child may still run with its output closed (or never had pipes): a watchdog kills
    // it at the deadline. It waits without reaping (WNOWAIT) first, so the pid cannot be
    // reused by another process before the watchdog knows the child is gone.
    let watch = Watchdog()
    if !timedOut {
      DispatchQueue.global().asyncAfter(deadline: .now() + max(0, deadline - monotonicSeconds())) {
        watch.state.withLock { state in
          if !state.exited {
            state.killed = true
            kill(pid, SIGKILL)
          }
        }
      }
    }
    var info = siginfo_t()
    while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
    if watch.state.withLock({ state in
      state.exited = true
      return state.killed
    }) {
      timedOut = true
    }
    var status: Int32 = 0
    var reaped: pid_t = -1
    repeat { reaped = waitpid(pid, &status, 0) } while reaped < 0 && errno == EINTR
    guard reaped == pid else {
      // ECHILD: someone else reaped it, so its status is unknown.
      return ChildProcessResult(
        stdout: String(decoding: output, as: UTF8.self), stderr: String(decoding: errors, as: UTF8.self),
        status: -1, exited: false, timedOut: timedOut)
    }
    let exited = (status & 0x7f) == 0
    return ChildProcessResult(
      stdout: String(decoding: output, as: UTF8.self), stderr: String(decoding: errors, as: UTF8.self),
      status: exited ? (status >> 8) & 0xff : status & 0x7f, exited: exited, timedOut: timedOut)
  }

  private static let spawnLock = Mutex(())

  /// Whether the child has exited (the watchdog must not kill after that) or was killed.
  private final class Watchdog: Sendable {
    let state = Mutex<(exited: Bool, killed: Bool)>((false, false))
  }

  /// Writing to a child that has exited gives EPIPE instead of a SIGPIPE that ends the caller.
  private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

  static func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
  }
}
