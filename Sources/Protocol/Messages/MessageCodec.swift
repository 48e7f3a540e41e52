import Math

/// Encodes `Message`s to ZeroMQ frames and back (layout: docs/protocol.md).
///
/// Frame 0 is a 24-byte header (magic `KSCP`, version, type, flags, unit id, lease id), frame 1 the
/// typed little-endian payload, frames 2… raw bulk data (the ASSIGN spec, tensor values, result
/// blobs). Decoding never traps and never allocates more than the limits allow: frame count and total
/// size are checked first, then every length against the bytes actually present. Only canonical
/// encodings are accepted, so `encode(decode(frames)) == frames` for every accepted input.
public struct MessageCodec: Sendable {
    /// The protocol version this build speaks. Bump it on any layout change (docs/protocol.md §Versions).
    public static let protocolVersion: UInt16 = 1
    public static let magic: [UInt8] = Array("KSCP".utf8)
    public static let headerBytes = 24
    public static let standard = MessageCodec()

    public let limits: ProtocolLimits
    public init(limits: ProtocolLimits = .standard) { self.limits = limits }

    public static func encode(_ message: Message) throws(ProtocolError) -> [[UInt8]] { try standard.encode(message) }
    public static func decode(frames: [[UInt8]]) throws(ProtocolError) -> Message { try standard.decode(frames: frames) }

    // MARK: Encode

    /// The frames of `message`; throws `.limitExceeded` naming the field if it breaks `limits`.
    public func encode(_ message: Message) throws(ProtocolError) -> [[UInt8]] {
        var p = ByteWriter(limits: limits)
        var bulk: [[UInt8]] = []
        var unit: UInt64 = 0, lease: UInt64 = 0
        var version = Self.protocolVersion
        switch message {
        case let .hello(m):
            try p.string(m.workerID, "HELLO.workerID")
            try p.string(m.keyscopeVersion, "HELLO.keyscopeVersion")
            p.u32(m.cores); p.u32(m.threads); p.u64(m.memoryBytes)
            try p.count(m.capabilities.count, "HELLO.capabilities")
            for (i, c) in m.capabilities.enumerated() { try p.string(c, "HELLO.capabilities[\(i)]") }
            try p.count(m.stages.count, "HELLO.stages")
            for (i, s) in m.stages.enumerated() {
                guard s.firstLayer <= s.endLayer else {
                    throw .invalidValue(field: "HELLO.stages[\(i)]", detail: "firstLayer \(s.firstLayer) > endLayer \(s.endLayer)")
                }
                p.u32(s.firstLayer); p.u32(s.endLayer); p.bool(s.includesVision)
            }
        case let .ready(m):
            p.u32(m.slots)
        case let .assign(m):
            (unit, lease) = (m.unitID, m.leaseID)
            p.u32(m.attempt)
            try p.string(m.runID, "ASSIGN.runID")
            p.u8(m.phase.rawValue)
            try p.count(m.sampleIDs.count, "ASSIGN.sampleIDs")
            for (i, s) in m.sampleIDs.enumerated() { try p.string(s, "ASSIGN.sampleIDs[\(i)]") }
            try p.count(m.layers.count, "ASSIGN.layers")
            for l in m.layers { p.u32(l) }
            try p.blob(m.options, "ASSIGN.options")
            try checkBlob(m.spec.count, "ASSIGN.spec")
            bulk = [m.spec]
        case let .stageData(m):
            (unit, lease) = (m.unitID, m.leaseID)
            p.u32(m.attempt); p.u16(m.fromStage); p.u16(m.toStage)
            try p.blob(m.meta, "STAGE_DATA.meta")
            try p.count(m.tensors.count, "STAGE_DATA.tensors")
            for (i, t) in m.tensors.enumerated() {
                let f = "STAGE_DATA.tensors[\(i)]"
                try p.string(t.name, f + ".name")
                p.u8(Self.float32Code)
                guard t.tensor.rank <= ProtocolLimits.maxTensorRank else {
                    throw .limitExceeded(field: f + ".shape", value: t.tensor.rank, limit: ProtocolLimits.maxTensorRank)
                }
                p.u8(UInt8(t.tensor.rank))
                for d in t.tensor.shape {
                    guard d >= 0, d <= Int(UInt32.max) else { throw .invalidValue(field: f + ".shape", detail: "dimension \(d) is not a UInt32") }
                    p.u32(UInt32(d))
                }
                try checkBlob(t.tensor.count * 4, f + ".values")
                bulk.append(Self.littleEndianBytes(t.tensor.data))
            }
        case let .result(m):
            (unit, lease) = (m.unitID, m.leaseID)
            p.u32(m.attempt)
            try p.count(m.blobs.count, "RESULT.blobs")
            for (i, b) in m.blobs.enumerated() { try checkBlob(b.count, "RESULT.blobs[\(i)]") }
            bulk = m.blobs
        case let .error(m):
            (unit, lease) = (m.unitID, m.leaseID)
            p.u32(m.attempt); p.bool(m.retryable)
            try p.string(m.message, "ERROR.message")
        case let .heartbeat(m):
            p.u64(m.sequence)
        case let .shutdown(m):
            try p.string(m.reason, "SHUTDOWN.reason")
        case let .reject(m):
            version = m.expectedVersion
            p.u16(m.expectedVersion)
            try p.string(m.reason, "REJECT.reason")
        }
        var h = ByteWriter(limits: limits, capacity: Self.headerBytes)
        h.bytes.append(contentsOf: Self.magic)
        h.u16(version); h.u8(message.type.rawValue); h.u8(0); h.u64(unit); h.u64(lease)
        let frames = [h.bytes, p.bytes] + bulk
        guard frames.count <= limits.maxFrames else { throw .limitExceeded(field: "\(message.type).frames", value: frames.count, limit: limits.maxFrames) }
        let total = frames.reduce(0) { $0 + $1.count }
        guard total <= limits.maxMessageBytes else { throw .limitExceeded(field: "\(message.type).bytes", value: total, limit: limits.maxMessageBytes) }
        return frames
    }

    private func checkBlob(_ n: Int, _ field: @autoclosure () -> String) throws(ProtocolError) {
        guard n <= limits.maxBlobBytes else { throw .limitExceeded(field: field(), value: n, limit: limits.maxBlobBytes) }
    }

    // MARK: Decode

    /// Decodes one message. A wrong version gives `.versionMismatch` (answer with REJECT), except
    /// for REJECT itself, which is understood at any version.
    public func decode(frames: [[UInt8]]) throws(ProtocolError) -> Message {
        guard frames.count <= limits.maxFrames else { throw .limitExceeded(field: "message.frames", value: frames.count, limit: limits.maxFrames) }
        var total = 0
        for f in frames { total += f.count }
        guard total <= limits.maxMessageBytes else { throw .limitExceeded(field: "message.bytes", value: total, limit: limits.maxMessageBytes) }
        guard let first = frames.first, first.count >= 8, Array(first[0..<4]) == Self.magic else { throw .badMagic }
        var h = ByteReader(first, limits: limits)
        _ = try h.u32("header.magic")
        let version = try h.u16("header.version")
        let rawType = try h.u8("header.type")
        guard let type = MessageType(rawValue: rawType) else {
            if version != Self.protocolVersion { throw .versionMismatch(received: version, expected: Self.protocolVersion) }
            throw .unknownType(rawType)
        }
        if type != .reject && version != Self.protocolVersion {
            throw .versionMismatch(received: version, expected: Self.protocolVersion)
        }
        let flags = try h.u8("header.flags")
        guard flags == 0 else { throw .invalidValue(field: "header.flags", detail: "must be 0, got \(flags)") }
        let unit = try h.u64("header.unitID")
        let lease = try h.u64("header.leaseID")
        try h.finish("header")
        guard frames.count >= 2 else { throw .frameCount(message: "\(type)", expected: 2, actual: frames.count) }
        var p = ByteReader(frames[1], limits: limits)
        let bulk = frames[2...]

        func noIDs() throws(ProtocolError) {
            guard unit == 0, lease == 0 else { throw .invalidValue(field: "\(type).header", detail: "unit and lease ids must be 0") }
        }
        func bulkCount(_ n: Int) throws(ProtocolError) {
            guard bulk.count == n else { throw .frameCount(message: "\(type)", expected: 2 + n, actual: frames.count) }
        }
        func blobFrame(_ b: [UInt8], _ field: @autoclosure () -> String) throws(ProtocolError) -> [UInt8] {
            guard b.count <= limits.maxBlobBytes else { throw .limitExceeded(field: field(), value: b.count, limit: limits.maxBlobBytes) }
            return b
        }

        let message: Message
        switch type {
        case .hello:
            try noIDs(); try bulkCount(0)
            let worker = try p.string("HELLO.workerID")
            let version = try p.string("HELLO.keyscopeVersion")
            let cores = try p.u32("HELLO.cores"), threads = try p.u32("HELLO.threads"), memory = try p.u64("HELLO.memoryBytes")
            var caps: [String] = []
            for i in 0..<(try p.count("HELLO.capabilities", minElementBytes: 4)) { caps.append(try p.string("HELLO.capabilities[\(i)]")) }
            var stages: [StageRange] = []
            for i in 0..<(try p.count("HELLO.stages", minElementBytes: 9)) {
                let f = "HELLO.stages[\(i)]"
                let s = StageRange(firstLayer: try p.u32(f + ".firstLayer"), endLayer: try p.u32(f + ".endLayer"),
                                   includesVision: try p.bool(f + ".includesVision"))
                guard s.firstLayer <= s.endLayer else { throw .invalidValue(field: f, detail: "firstLayer \(s.firstLayer) > endLayer \(s.endLayer)") }
                stages.append(s)
            }
            message = .hello(Hello(workerID: worker, keyscopeVersion: version, cores: cores, threads: threads,
                                   memoryBytes: memory, capabilities: caps, stages: stages))
        case .ready:
            try noIDs(); try bulkCount(0)
            message = .ready(Ready(slots: try p.u32("READY.slots")))
        case .assign:
            try bulkCount(1)
            let attempt = try p.u32("ASSIGN.attempt")
            let run = try p.string("ASSIGN.runID")
            let rawPhase = try p.u8("ASSIGN.phase")
            guard let phase = UnitPhase(rawValue: rawPhase) else { throw .invalidValue(field: "ASSIGN.phase", detail: "unknown phase \(rawPhase)") }
            var samples: [String] = []
            for i in 0..<(try p.count("ASSIGN.sampleIDs", minElementBytes: 4)) { samples.append(try p.string("ASSIGN.sampleIDs[\(i)]")) }
            let nLayers = try p.count("ASSIGN.layers", minElementBytes: 4)
            var layers: [UInt32] = []
            layers.reserveCapacity(nLayers)
            for i in 0..<nLayers { layers.append(try p.u32("ASSIGN.layers[\(i)]")) }
            let options = try p.blob("ASSIGN.options")
            let spec = try blobFrame(bulk[bulk.startIndex], "ASSIGN.spec")
            message = .assign(Assign(unitID: unit, attempt: attempt, leaseID: lease, runID: run, phase: phase,
                                     sampleIDs: samples, layers: layers, options: options, spec: spec))
        case .stageData:
            let attempt = try p.u32("STAGE_DATA.attempt")
            let from = try p.u16("STAGE_DATA.fromStage"), to = try p.u16("STAGE_DATA.toStage")
            let meta = try p.blob("STAGE_DATA.meta")
            let n = try p.count("STAGE_DATA.tensors", minElementBytes: 6)
            try bulkCount(n)
            var tensors: [NamedTensor] = []
            for i in 0..<n {
                let f = "STAGE_DATA.tensors[\(i)]"
                let name = try p.string(f + ".name")
                let dtype = try p.u8(f + ".dtype")
                guard dtype == Self.float32Code else { throw .invalidValue(field: f + ".dtype", detail: "only 1 (float32) is defined, got \(dtype)") }
                let rank = Int(try p.u8(f + ".rank"))
                guard rank <= ProtocolLimits.maxTensorRank else { throw .limitExceeded(field: f + ".rank", value: rank, limit: ProtocolLimits.maxTensorRank) }
                var shape: [Int] = []
                var elements = 1
                for _ in 0..<rank {
                    let d = Int(try p.u32(f + ".shape"))
                    shape.append(d)
                    let (m, overflow) = elements.multipliedReportingOverflow(by: d)
                    guard !overflow, m <= limits.maxBlobBytes / 4 else {
                        throw .limitExceeded(field: f + ".shape", value: overflow ? Int.max : m, limit: limits.maxBlobBytes / 4)
                    }
                    elements = m
                }
                let frame = bulk[bulk.startIndex + i]
                guard frame.count == elements * 4 else {
                    throw .invalidValue(field: f + ".values", detail: "shape \(shape) needs \(elements * 4) bytes, frame has \(frame.count)")
                }
                tensors.append(NamedTensor(name: name, tensor: Tensor(shape: shape, data: Self.floats(frame))))
            }
            message = .stageData(StageData(unitID: unit, attempt: attempt, leaseID: lease, fromStage: from, toStage: to,
                                           meta: meta, tensors: tensors))
        case .result:
            let attempt = try p.u32("RESULT.attempt")
            let n = Int(try p.u32("RESULT.blobs.count"))
            guard n <= limits.maxArrayCount else { throw .limitExceeded(field: "RESULT.blobs.count", value: n, limit: limits.maxArrayCount) }
            try bulkCount(n)
            var blobs: [[UInt8]] = []
            for (i, b) in bulk.enumerated() { blobs.append(try blobFrame(b, "RESULT.blobs[\(i)]")) }
            message = .result(UnitResult(unitID: unit, attempt: attempt, leaseID: lease, blobs: blobs))
        case .error:
            try bulkCount(0)
            let attempt = try p.u32("ERROR.attempt")
            let retryable = try p.bool("ERROR.retryable")
            message = .error(UnitFailure(unitID: unit, attempt: attempt, leaseID: lease,
                                         message: try p.string("ERROR.message"), retryable: retryable))
        case .heartbeat:
            try noIDs(); try bulkCount(0)
            message = .heartbeat(Heartbeat(sequence: try p.u64("HEARTBEAT.sequence")))
        case .shutdown:
            try noIDs(); try bulkCount(0)
            message = .shutdown(Shutdown(reason: try p.string("SHUTDOWN.reason")))
        case .reject:
            try noIDs(); try bulkCount(0)
            let expected = try p.u16("REJECT.expectedVersion")
            guard expected == version else { throw .invalidValue(field: "REJECT.expectedVersion", detail: "\(expected) differs from header version \(version)") }
            message = .reject(Reject(expectedVersion: expected, reason: try p.string("REJECT.reason")))
        }
        try p.finish("\(type) payload")
        return message
    }

    // MARK: ROUTER envelopes

    /// Splits a ROUTER-received message into the peer's routing id and the decoded message.
    public func decode(routed frames: [[UInt8]]) throws(ProtocolError) -> (routingID: [UInt8], message: Message) {
        guard let id = frames.first else { throw .frameCount(message: "routed message", expected: 3, actual: 0) }
        return (id, try decode(frames: Array(frames.dropFirst())))
    }

    /// Frames a ROUTER sends to reach the peer with `routingID`.
    public func encode(_ message: Message, to routingID: [UInt8]) throws(ProtocolError) -> [[UInt8]] {
        [routingID] + (try encode(message))
    }

    // MARK: Float32 frames

    static let float32Code: UInt8 = 1

    /// Raw little-endian bytes of `values` (a single copy on little-endian hosts).
    public static func littleEndianBytes(_ values: [Float]) -> [UInt8] {
        #if _endian(little)
        return values.withUnsafeBytes { Array($0) }
        #else
        return values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
        #endif
    }

    /// Floats from raw little-endian bytes (`bytes.count` must be a multiple of 4); bit patterns,
    /// NaN payloads included, are preserved.
    public static func floats(_ bytes: [UInt8]) -> [Float] {
        let n = bytes.count / 4
        return [Float](unsafeUninitializedCapacity: n) { out, count in
            #if _endian(little)
            bytes.withUnsafeBytes { src in UnsafeMutableRawBufferPointer(out).copyMemory(from: UnsafeRawBufferPointer(rebasing: src[0..<(n * 4)])) }
            #else
            for i in 0..<n {
                let b = UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16 | UInt32(bytes[4 * i + 3]) << 24
                out[i] = Float(bitPattern: b)
            }
            #endif
            count = n
        }
    }
}
