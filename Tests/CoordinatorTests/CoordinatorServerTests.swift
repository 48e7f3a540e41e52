import Testing
@testable import Coordinator

/// Socket-free checks of the server; the networked behaviour is in WorkerTests/ClusterTests.
@Suite struct CoordinatorServerTests {
    @Test func planPhasesMustBeProtocolPhases() throws {
        let dir = TemporaryDirectory()
        let journal = try RunJournal.create(at: dir.file("j.sqlite"), planJSON: "{}", inputHashes: [:],
                                            units: [WorkUnit(id: 1, phase: 2, spec: []), WorkUnit(id: 2, phase: 0, spec: [])])
        defer { journal.close() }
        let config = CoordinatorServerConfig(endpoint: "ipc://" + dir.file("c.sock"), runID: "r")
        #expect(throws: CoordinatorServerError.invalidPhase(unitID: 2, phase: 0)) {
            _ = try CoordinatorServer(config: config, journal: journal)
        }
    }

    @Test func configDefaultsFollowTheRunDirectoryAndCluster() throws {
        let dir = TemporaryDirectory()
        let run = try RunDirectory.create(runsRoot: dir.path, runID: "r1")
        var cluster = ClusterConfig()
        cluster.heartbeatIntervalMs = 250
        cluster.maxAttempts = 5
        let config = try CoordinatorServerConfig(run: run, scheduler: SchedulerConfig(cluster: cluster))
        #expect(config.endpoint == "ipc://" + run.socketPath && config.runID == "r1" && config.prefetch == 1)
        #expect(config.scheduler.heartbeatInterval == 0.25 && config.scheduler.maxAttempts == 5)
        #expect(config.scheduler.workerTimeout == 1.25 && config.drainSeconds == 0.5)
    }
}
