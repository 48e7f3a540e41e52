// The executor thread: runs assigned units one at a time, off the network thread.

import Foundation
import Protocol

/// A finished unit waiting to be reported.
enum RunnerOutcome: Sendable, Equatable {
    case result(Assign, blob: [UInt8])
    case failure(Assign, message: String, retryable: Bool)
}

/// Owns one thread and a queue guarded by a condition variable. The network thread enqueues
/// ASSIGNs and collects outcomes; neither side ever blocks the other for longer than a queue edit.
final class UnitRunner: @unchecked Sendable {
    private let executor: any UnitExecutor
    private let condition = NSCondition()
    private var queue: [Assign] = []
    private var outcomes: [RunnerOutcome] = []
    private var current: Assign?
    private var stopped = false
    private var thread: Thread?

    init(executor: any UnitExecutor) { self.executor = executor }

    func start() {
        let t = Thread { [self] in loop() }
        t.name = "keyscope-unit-runner"
        thread = t
        t.start()
    }

    /// Queues a unit unless the same (unit, attempt) is already queued or running.
    /// Returns false for such a repeat.
    @discardableResult
    func enqueue(_ assign: Assign) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let same: (Assign) -> Bool = { $0.unitID == assign.unitID && $0.attempt == assign.attempt }
        guard !queue.contains(where: same), !(current.map(same) ?? false) else { return false }
        queue.append(assign)
        condition.signal()
        return true
    }

    /// Drops units not yet started (after a coordinator restart they are someone else's now).
    func discardQueued() {
        condition.lock()
        queue.removeAll()
        condition.unlock()
    }

    func takeOutcomes() -> [RunnerOutcome] {
        condition.lock()
        defer { condition.unlock() }
        let out = outcomes
        outcomes.removeAll()
        return out
    }

    /// Asks the thread to exit after the unit it is running; does not wait for it.
    func stop() {
        condition.lock()
        stopped = true
        queue.removeAll()
        condition.broadcast()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            let assign = queue.removeFirst()
            current = assign
            condition.unlock()

            let outcome: RunnerOutcome
            do {
                let blob = try executor.execute(spec: assign.spec, phase: Int(assign.phase.rawValue))
                outcome = .result(assign, blob: blob)
            } catch let e as UnitExecutionError {
                outcome = .failure(assign, message: e.message, retryable: e.retryable)
            } catch {
                outcome = .failure(assign, message: "\(error)", retryable: true)
            }

            condition.lock()
            current = nil
            if !stopped { outcomes.append(outcome) }
            condition.unlock()
        }
    }
}
