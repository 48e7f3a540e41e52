import Foundation
import Math
import Testing
@testable import Model

@Suite struct LlavaBenchmarkTests {
    @Test func flopCountOfA7BLayer() {
        var c = LlamaTextConfig()  // Llama-2-7B shapes
        c.numKeyValueHeads = 32
        // 2·640·4096·(3·4096) + 2·640·4096·4096 + 6·640·4096·11008 + 4·32·640²·128
        let expected = 2.0 * 640 * 4096 * 12288 + 2.0 * 640 * 4096 * 4096 + 6.0 * 640 * 4096 * 11008 + 4.0 * 32 * 640 * 640 * 128
        #expect(LlavaBenchmark.flopsPerLayer(c, tokens: 640) == expected)
    }

    @Test func tinyForwardReportsConsistentFigures() throws {
        var o = LlavaBenchmark.Options()
        o.hiddenSize = 64; o.intermediateSize = 128; o.heads = 4; o.kvHeads = 2; o.layers = 2; o.tokens = 32
        let r = try LlavaBenchmark.forward(o)
        #expect(r.tokens == 32 && r.layers == 2 && r.seconds > 0)
        #expect(abs(r.tokensPerSecond * r.seconds - 32) < 1e-6)
        #expect(abs(r.gflopPerSecond * r.seconds - r.gflop) < 1e-9)
        o.heads = 5
        #expect(throws: ConfigError.self) { try LlavaBenchmark.forward(o) }
    }
}
