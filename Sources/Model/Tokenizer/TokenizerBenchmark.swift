// Encode throughput measurement, for `keyscope bench`-style commands (kept out of the test suite so no test
// depends on machine speed).
import Foundation

public enum TokenizerBenchmark {
    public struct Result: Sendable, CustomStringConvertible {
        public var tokens: Int
        public var bytes: Int
        public var seconds: Double
        public var tokensPerSecond: Double { Double(tokens) / seconds }
        public var megabytesPerSecond: Double { Double(bytes) / seconds / 1e6 }
        public var description: String {
            String(format: "%d tokens, %.2f MB in %.3f s: %.0f tokens/s, %.2f MB/s",
                   tokens, Double(bytes) / 1e6, seconds, tokensPerSecond, megabytesPerSecond)
        }
    }

    /// Encodes every text `repetitions` times (without special tokens) and reports the best run.
    public static func measure(_ tokenizer: any TextTokenizer, texts: [String], repetitions: Int = 3) -> Result {
        let bytes = texts.reduce(0) { $0 + $1.utf8.count }
        var best = Double.infinity
        var tokens = 0
        for _ in 0..<max(1, repetitions) {
            let start = DispatchTime.now().uptimeNanoseconds
            var count = 0
            for t in texts { count += tokenizer.encode(t, addSpecialTokens: false).count }
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            best = min(best, elapsed)
            tokens = count
        }
        return Result(tokens: tokens, bytes: bytes, seconds: best)
    }
}
