import Foundation
import Testing
@testable import Coordinator

@Suite struct SweepDefinitionTests {
    static let minimal = #"{"name": "s", "models": ["m/a"], "datasets": ["/d/x.jsonl"]}"#

    static func parse(_ text: String) throws(SweepDefinitionError) -> SweepDefinition {
        try SweepDefinition.parse(Data(text.utf8), path: "sweep.json", baseDirectory: "/base/dir")
    }

    static func problem(_ text: String) -> String {
        do { _ = try parse(text); return "accepted" } catch { return error.description }
    }

    @Test func defaultsAndRelativePaths() throws {
        let d = try Self.parse(Self.minimal)
        #expect(d.models == ["/base/dir/m/a"] && d.datasets == ["/d/x.jsonl"])
        #expect(d.layers == ["all"] && d.rope == ["both"] && d.textTokens == ["all"] && d.seeds == [0])
        #expect(d.options == SweepOptions() && d.points.count == 1)
    }

    @Test func gridIsTheFullProductInAFixedOrder() throws {
        let d = try Self.parse(#"""
            {"name": "g", "models": ["/m1", "/m2"], "datasets": ["/d"], "layers": ["0", "0-3"], "rope": ["pre", "post"],
             "text_tokens": ["all", "prompt"], "seeds": [0, 7]}
            """#)
        let p = d.points
        #expect(p.count == 2 * 2 * 2 * 2 * 2)
        #expect(p.first == SweepPoint(model: "/m1", dataset: "/d", layers: "0", rope: "pre", textTokens: "all", seed: 0))
        #expect(p.last == SweepPoint(model: "/m2", dataset: "/d", layers: "0-3", rope: "post", textTokens: "prompt", seed: 7))
        #expect(Set(p).count == p.count)
        let ids = p.map(d.runID)
        #expect(Set(ids).count == ids.count, "run ids collide")
        #expect(ids.allSatisfy(RunDirectory.isValidRunID))
    }

    @Test func runIDsDependOnThePointAndTheStatisticsOnly() throws {
        let a = try Self.parse(#"{"name": "a", "models": ["/m/llava-1.5-tiny"], "datasets": ["/d/x.jsonl"], "seeds": [1]}"#)
        let b = try Self.parse(#"{"name": "b", "models": ["/m/other", "/m/llava-1.5-tiny"], "datasets": ["/d/x.jsonl"], "seeds": [0, 1]}"#)
        let point = a.points[0]
        #expect(a.runID(for: point) == b.runID(for: point), "adding grid points renamed an existing run")
        #expect(a.runID(for: point).hasPrefix("llava-1.5-tiny-x-"))
        var c = a; c.options.tsneLayers = "none"
        #expect(c.runID(for: point) == a.runID(for: point), "t-SNE layers do not change results")
        var d = a; d.options.bootstrap = 20
        #expect(d.runID(for: point) != a.runID(for: point))
        var e = a; e.options.perHead = true
        #expect(e.runID(for: point) != a.runID(for: point))
    }

    @Test func badInputNamesTheField() {
        #expect(Self.problem("[1]").contains("(top level): must be a JSON object"))
        #expect(Self.problem("{").contains("not valid JSON"))
        #expect(Self.problem(#"{"name": "s", "datasets": ["/d"]}"#).contains("models: required"))
        #expect(Self.problem(#"{"name": "s", "models": ["/m"], "datasets": ["/d"], "modles": []}"#).contains("modles: unknown field"))
        #expect(Self.problem(#"{"name": "s", "models": ["/m"], "datasets": ["/d"], "rope": ["pre", "mid"]}"#)
            .contains("rope[1]: \"mid\" is not one of both, post, pre"))
        #expect(Self.problem(#"{"name": "s", "models": ["/m"], "datasets": ["/d"], "seeds": [true]}"#).contains("seeds[0]: must be an integer"))
        #expect(Self.problem(#"{"name": "s", "models": ["/m"], "datasets": ["/d"], "seeds": [-1]}"#).contains("seeds[0]"))
        #expect(Self.problem(#"{"name": "s", "models": ["/m"], "datasets": ["/d"], "layers": ["0-x"]}"#).contains("layers[0]"))
        #expect(Self.problem(#"{"name": "s", "models": ["/m", "/m"], "datasets": ["/d"]}"#).contains("models[1]: \"/m\" is listed twice"))
        #expect(Self.problem(#"{"name": "../x", "models": ["/m"], "datasets": ["/d"]}"#).contains("name:"))
        #expect(Self.problem(#"{"name": "s", "models": ["/m"], "datasets": ["/d"], "options": {"bins": "64"}}"#)
            .contains("options.bins: must be an integer"))
        #expect(Self.problem(#"{"name": "s", "models": ["/m"], "datasets": ["/d"], "options": {"bins": 1}}"#).contains("options.bins: 1 is outside"))
        #expect(Self.problem(#"{"name": "s", "models": ["/m"], "datasets": ["/d"], "options": {"boostrap": 5}}"#)
            .contains("options.boostrap: unknown option"))
        #expect(Self.problem(#"{"name": "s", "models": ["/m"], "datasets": ["/d"], "options": {"per_head": 1}}"#)
            .contains("options.per_head: must be true or false"))
    }

    @Test func changesAreListedFieldByField() throws {
        let old = try Self.parse(#"{"name": "s", "models": ["/m1", "/m2"], "datasets": ["/d"], "seeds": [0]}"#)
        let new = try Self.parse(#"{"name": "s", "models": ["/m2", "/m3"], "datasets": ["/d"], "seeds": [0, 1], "options": {"bootstrap": 20}}"#)
        #expect(new.changes(since: old) == ["models: added /m3", "models: removed /m1", "seeds: added 1", "options.bootstrap: 1000 → 20"])
        #expect(old.changes(since: old).isEmpty)
    }

    @Test func frozenDefinitionRoundTripsAndAChangeIsRefused() throws {
        let tmp = TemporaryDirectory()
        let def = try Self.parse(Self.minimal)
        let (dir, accepted) = try SweepDirectory.prepare(root: tmp.path, definition: def, acceptChanges: false)
        #expect(accepted.isEmpty && SweepDirectory.isSweep(dir.path))
        #expect(try dir.frozenDefinition() == def)
        _ = try SweepDirectory.prepare(root: tmp.path, definition: def, acceptChanges: false)  // same: fine
        var changed = def; changed.seeds = [0, 3]
        #expect(throws: SweepError.definitionChanged(path: dir.path, changes: ["seeds: added 3"])) {
            _ = try SweepDirectory.prepare(root: tmp.path, definition: changed, acceptChanges: false)
        }
        let (_, ok) = try SweepDirectory.prepare(root: tmp.path, definition: changed, acceptChanges: true)
        let refrozen = try dir.frozenDefinition()
        #expect(ok == ["seeds: added 3"] && refrozen == changed)
        let status = try dir.statuses()
        #expect(status.runs.count == 2 && status.runs.allSatisfy { $0.state == "pending" && $0.inGrid })
        let lock = try dir.acquireLock()
        #expect(throws: SweepError.locked(path: dir.path)) { _ = try dir.acquireLock() }
        lock.release()
    }
}
