import NablaAutodiff
import NablaLanguage
import NablaTensor

/// Everything a statement can change in a session, kept so a presentation can go back to the
/// state before a statement: what is on the screen is then what the session holds.
///
/// Values are immutable, so the snapshot shares them; the one field a later statement writes on
/// an old value (`Variable.replacedName`, set when its name is rebound) is saved and put back.
public struct SessionSnapshot {
  let globals: SessionVariables
  let replacedNames: [(Variable, String?)]
  let random: RandomSource
  let options: SessionOptions
  let training: TrainingRun?
  let historyCount: Int
  let transcriptCount: Int
  let unreproducibleCount: Int
}

extension Session {
  /// The session's state now.
  public func snapshot() -> SessionSnapshot {
    var replaced: [(Variable, String?)] = []
    for value in interpreter.globals.values {
      if case .tensor(let v) = value { replaced.append((v, v.replacedName)) }
    }
    return SessionSnapshot(
      globals: interpreter.globals, replacedNames: replaced, random: interpreter.random, options: options,
      training: training?.copy(), historyCount: history.count, transcriptCount: transcript.count,
      unreproducibleCount: unreproducible.count)
  }

  /// Puts the session back to `snapshot`: variables, functions, the random stream, options, the
  /// training run to resume, and what `:save` and `:history` would write. The options that
  /// belong to the terminal (width, color, live redraws, ASCII) stay as they are now.
  public func restore(_ snapshot: SessionSnapshot) {
    interpreter.globals = snapshot.globals
    for (variable, name) in snapshot.replacedNames { variable.replacedName = name }
    interpreter.random = snapshot.random
    let (width, color, interactive, ascii) = (options.width, options.color, options.interactive, options.ascii)
    options = snapshot.options
    (options.width, options.color, options.interactive, options.ascii) = (width, color, interactive, ascii)
    // A copy again: the run restored now may be resumed and changed, the snapshot must not be.
    training = snapshot.training?.copy()
    history.removeLast(max(history.count - snapshot.historyCount, 0))
    transcript.removeLast(max(transcript.count - snapshot.transcriptCount, 0))
    unreproducible.removeLast(max(unreproducible.count - snapshot.unreproducibleCount, 0))
  }
}

extension TrainingRun {
  /// An independent copy (the optimizer's moments and the data order included).
  func copy() -> TrainingRun {
    let run = TrainingRun(
      parameterNames: parameterNames, shapes: [], optimizer: optimizer, learningRate: learningRate, batch: batch,
      seed: 0)
    run.step = step
    run.unfinished = unfinished
    run.history = history
    run.first = first
    run.second = second
    run.random = random
    run.order = order
    run.cursor = cursor
    return run
  }
}
