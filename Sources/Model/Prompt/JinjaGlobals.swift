import Foundation

/// Global functions of transformers' chat-template environment: Jinja's `range`, `namespace`,
/// `dict`, plus transformers' `raise_exception` and `strftime_now`.
enum JinjaGlobals {
    static let names: Set<String> = ["range", "namespace", "dict", "raise_exception", "strftime_now"]

    static func call(_ name: String, _ args: JinjaRenderer.Arguments, renderer: JinjaRenderer, at loc: JinjaLocation) throws -> JinjaValue {
        switch name {
        case "range":
            let ints = try args.positional.map { v -> Int in
                guard case .int(let i)? = v.number else { throw JinjaFailure("'\(v.typeName)' object cannot be interpreted as an integer") }
                return i
            }
            var (start, stop, step) = (0, 0, 1)
            switch ints.count {
            case 1: stop = ints[0]
            case 2: (start, stop) = (ints[0], ints[1])
            case 3: (start, stop, step) = (ints[0], ints[1], ints[2])
            default: throw JinjaFailure("range expected 1 to 3 arguments, got \(ints.count)")
            }
            guard step != 0 else { throw JinjaFailure("range() arg 3 must not be zero") }
            let r = stride(from: start, to: stop, by: step)
            let count = step > 0 ? max(0, (stop - start + step - 1) / step) : max(0, (start - stop - step - 1) / -step)
            guard count <= renderer.options.maxRangeLength else {
                throw JinjaError.limit(message: "range() longer than \(renderer.options.maxRangeLength)", location: loc)
            }
            return .array(r.map { .int($0) })
        case "namespace", "dict":
            var o = JinjaObject()
            for p in args.positional {
                guard case .object(let d) = p else { throw JinjaFailure("\(name)() positional argument must be a mapping") }
                for (k, v) in d.pairs { o[k] = v }
            }
            for (k, v) in args.keyword {
                if name == "namespace", k.hasPrefix("_") {
                    throw JinjaFailure("Chat templates cannot store underscore-prefixed attributes on a namespace, but got '\(k)'.")
                }
                o[k] = v
            }
            return name == "dict" ? .object(o) : .namespace(JinjaNamespace(o))
        case "raise_exception":
            throw JinjaError.raised(message: args.value(0, "message")?.pyStr ?? "", location: loc)
        case "strftime_now":
            guard case .string(let format)? = args.value(0, "format") else { throw JinjaFailure("strftime_now() needs a format string") }
            return .string(strftime(format, renderer.options.now()))
        default:
            throw JinjaFailure("'\(name)' is undefined")
        }
    }

    /// C `strftime` in the local time zone, as Python's `datetime.now().strftime` does.
    static func strftime(_ format: String, _ date: Date) -> String {
        var t = time_t(date.timeIntervalSince1970.rounded(.down))
        var tmValue = tm()
        localtime_r(&t, &tmValue)
        var buffer = [CChar](repeating: 0, count: 512)
        let n = Foundation.strftime(&buffer, buffer.count, format, &tmValue)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
