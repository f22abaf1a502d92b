import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Runs work on a thread with a large stack, so deep (but bounded) recursion in user functions
/// and nested expressions never meets the small default stack of a secondary thread.
///
/// The threads are kept and reused: creating one per statement cost about a third of a
/// millisecond (mapping and unmapping 512 MiB of stack), more than a small statement itself.
/// `run` on a worker's own thread runs in place (`Session.onLargeStack` puts a whole program
/// there).
enum LargeStack {
  static let size = 512 << 20

  /// A thread that runs one piece of work at a time, handed over under a lock.
  private final class Worker: @unchecked Sendable {
    var mutex = pthread_mutex_t()
    var condition = pthread_cond_t()
    var body: (() -> Void)?
    var finished = false

    init() {
      pthread_mutex_init(&mutex, nil)
      pthread_cond_init(&condition, nil)
    }

    /// The thread's loop: wait for work, run it, say so, forever.
    func serve() -> Never {
      LargeStack.isWorkerThread = true
      pthread_mutex_lock(&mutex)
      while true {
        while body == nil || finished { pthread_cond_wait(&condition, &mutex) }
        let work = body
        pthread_mutex_unlock(&mutex)
        work?()
        pthread_mutex_lock(&mutex)
        finished = true
        pthread_cond_broadcast(&condition)
      }
    }

    /// Runs `work` on this worker's thread and waits for it.
    func perform(_ work: @escaping () -> Void) {
      pthread_mutex_lock(&mutex)
      body = work
      finished = false
      pthread_cond_broadcast(&condition)
      while !finished { pthread_cond_wait(&condition, &mutex) }
      body = nil
      pthread_mutex_unlock(&mutex)
    }

    /// A worker with its own large-stack thread, or nil when no thread can be created.
    static func start() -> Worker? {
      var attributes = pthread_attr_t()
      pthread_attr_init(&attributes)
      defer { pthread_attr_destroy(&attributes) }
      pthread_attr_setstacksize(&attributes, LargeStack.size)
      pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
      let worker = Worker()
      let retained = Unmanaged.passRetained(worker)
      var thread = pthread_t()
      let status = pthread_create(
        &thread, &attributes,
        { raw in
          guard let raw else { return nil }
          Unmanaged<Worker>.fromOpaque(raw).takeRetainedValue().serve()
        }, retained.toOpaque())
      if status != 0 {
        retained.release()
        return nil
      }
      return worker
    }
  }

  /// Workers waiting for work (one per session evaluating at the same time, at most).
  private static let idle = Mutex<[Worker]>([])

  /// True on a worker's thread: work started there (a whole benchmark, a nested run) runs in
  /// place, without a handover that costs a scheduler wake-up each way.
  private static var isWorkerThread: Bool {
    get { pthread_getspecific(workerKey) != nil }
    set { pthread_setspecific(workerKey, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
  }
  private static let workerKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
  }()

  static func run(_ body: () -> Void) {
    if isWorkerThread {
      body()
      return
    }
    withoutActuallyEscaping(body) { escapable in
      guard let worker = idle.withLock({ $0.popLast() }) ?? Worker.start() else {
        // No thread: run here instead, with the depth limits as the only guard.
        escapable()
        return
      }
      worker.perform(escapable)
      idle.withLock { $0.append(worker) }
    }
  }
}
