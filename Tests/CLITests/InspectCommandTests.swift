import Foundation
import Testing
@testable import CLI
import Model

@Suite struct InspectCommandTests {
    @Test func collapsesImageRuns() {
        #expect(InspectCommand.collapse("USER: <image><image><image>\nHi <image>", placeholder: "<image>") == "USER: <image>×3\\nHi <image>")
        #expect(InspectCommand.collapse("no image", placeholder: "<image>") == "no image")
    }

    /// The executable on the demo: counts must match what the preparer produces, unusable samples say why.
    @Test func demoSamplesAndUnusableReason() throws {
        let tmp = try CLIDemo.tempDir("inspect")
        defer { try? FileManager.default.removeItem(at: tmp) }
        let broken = #"{"id": "zz_placeholder", "image": "images/01_astronaut.jpg", "question": "Is <image> here?"}"#
        let data = try CLIDemo.subset(2, in: tmp, extraLines: [broken])
        let (status, out, err) = try CLIDemo.keyscope(["inspect", "--model", CLIDemo.model, "--data", data])
        #expect(status == 0, "\(err)")
        let lines = out.split(separator: "\n").map(String.init)

        let modelURL = URL(fileURLWithPath: CLIDemo.model)
        let preparer = try LlavaSamplePreparer(modelDirectory: modelURL, config: try LlavaConfig(directory: modelURL))
        let ds = try DatasetLoader.read(URL(fileURLWithPath: data))
        #expect(ds.samples.count == 3)
        let first = try preparer.prepare(ds.samples[0])
        let q = first.roles.filter { $0 == .question }.count, tpl = first.roles.filter { $0 == .template }.count
        #expect(lines.first == "[1/3] \(ds.samples[0].id)")
        #expect(lines.contains("  tokens: \(first.roles.count) = image 576 + text \(q + tpl) (question \(q), template \(tpl))"))
        #expect(lines.contains("  pixels: \(first.pixelValues.shape)"))
        let prompt = try #require(lines.first { $0.hasPrefix("  prompt: ") })
        #expect(prompt.contains("<image>×576") && prompt.contains(ds.samples[0].question))
        #expect(!prompt.contains("<image><image>"))
        #expect(lines.contains("[3/3] zz_placeholder"))
        let reason = try #require(lines.last)
        #expect(reason.hasPrefix("  unusable: prompt"))

        let (s2, out2, _) = try CLIDemo.keyscope(["inspect", "--model", CLIDemo.model, "--data", data, "--limit", "1"])
        #expect(s2 == 0 && out2.split(separator: "\n").count == 4)
    }
}
