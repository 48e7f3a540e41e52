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

@Suite struct InspectQwenCommandTests {
    static var qwenModel: String { CLIDemo.repo.appendingPathComponent("demo/models/qwen2.5-vl-tiny").path }

    /// `inspect --limit 3` on the Qwen2.5-VL demo checkpoint: prompt with the collapsed
    /// `<|image_pad|>` run inside the vision markers, token counts by role, patch shape and grid —
    /// each equal to what Qwen25VLSamplePreparer (the run's own preparation) produces.
    @Test func qwenDemoSamplesLimit3() throws {
        let (status, out, err) = try CLIDemo.keyscope(["inspect", "--model", Self.qwenModel, "--data", CLIDemo.data, "--limit", "3"])
        #expect(status == 0, "\(err)")
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.count == 12, "\(out)")

        let modelURL = URL(fileURLWithPath: Self.qwenModel)
        let preparer = try Qwen25VLSamplePreparer(modelDirectory: modelURL, config: try Qwen25VLConfig(directory: modelURL))
        let ds = try DatasetLoader.read(URL(fileURLWithPath: CLIDemo.data))
        for (i, sample) in ds.samples.prefix(3).enumerated() {
            let p = try preparer.prepare(sample)
            let block = Array(lines.dropFirst(4 * i).prefix(4))
            #expect(block.first == "[\(i + 1)/3] \(sample.id)")
            let image = p.roles.filter { $0 == .image }.count
            let q = p.roles.filter { $0 == .question }.count, tpl = p.roles.filter { $0 == .template }.count
            #expect(image == p.imageGridTHW[0].reduce(1, *) / 4 && image > 0 && q > 0 && tpl > 0)
            #expect(block.contains("  tokens: \(p.roles.count) = image \(image) + text \(q + tpl) (question \(q), template \(tpl))"), "\(block)")
            #expect(p.pixelValues.shape == [p.imageGridTHW[0].reduce(1, *), 1176])
            #expect(block.contains("  pixels: patches \(p.pixelValues.shape), image_grid_thw \(p.imageGridTHW)"), "\(block)")
            let prompt = try #require(block.first { $0.hasPrefix("  prompt: ") })
            #expect(prompt.contains("<|vision_start|><|image_pad|>×\(image)<|vision_end|>"), "\(prompt)")
            #expect(prompt.contains("<|im_start|>user") && prompt.contains(sample.question), "\(prompt)")
            #expect(!prompt.contains("<|image_pad|><|image_pad|>"))
        }
    }
}
