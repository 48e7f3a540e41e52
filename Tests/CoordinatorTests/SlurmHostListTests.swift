import Testing
@testable import Coordinator

/// Expected lists are what `scontrol show hostnames LIST` printed with slurm-wlm 22.05.8 (Debian bookworm).
@Suite struct SlurmHostListTests {
    @Test(arguments: [
        ("node[01-03,7],gpu5", ["node01", "node02", "node03", "node7", "gpu5"]),
        ("n[8-10]", ["n8", "n9", "n10"]),
        ("n[098-100]", ["n098", "n099", "n100"]),
        ("n[0-10]", ["n0", "n1", "n2", "n3", "n4", "n5", "n6", "n7", "n8", "n9", "n10"]),
        ("r[1-2]n[01-02]", ["r1n01", "r1n02", "r2n01", "r2n02"]),
        ("a,b,a", ["a", "b", "a"]),
        ("node1", ["node1"]),
        ("kn[1-2],gpu[007,010-011]", ["kn1", "kn2", "gpu007", "gpu010", "gpu011"]),
    ])
    func expandsLikeScontrol(list: String, hosts: [String]) throws {
        #expect(try SlurmHostList.expand(list) == hosts)
    }

    @Test(arguments: [
        ("n[10-8]", "descending"), ("n[]", "empty"), ("n[1-2", "without \"]\""), ("n1-2]", "without \"[\""),
        ("n[1-a]", "expected N or LO-HI"), ("", "empty"), ("a,,b", "empty entry"), ("n[1-[2]]", "nested"),
        ("n[1-99999999]", "more than"), ("a b", "whitespace"),
    ])
    func rejectsWithReason(list: String, reason: String) {
        #expect {
            try SlurmHostList.expand(list)
        } throws: { error in
            guard let e = error as? SlurmHostListError else { return false }
            return e.list == list && e.reason.contains(reason) && e.description.contains("\"\(list)\"")
        }
    }

    @Test func largeAllocationKeepsOrderAndWidth() throws {
        let hosts = try SlurmHostList.expand("c[0001-1000]")
        #expect(hosts.count == 1000)
        #expect(hosts.first == "c0001" && hosts.last == "c1000" && hosts[98] == "c0099")
    }
}
