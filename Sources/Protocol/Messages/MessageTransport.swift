/// A message taken off a socket: the ROUTER routing id (nil on other socket types) and either the
/// decoded message or why it was refused. A refused message is already consumed — the caller drops
/// and counts it (`ProtocolError.metricLabel`) or answers a version mismatch with REJECT.
public struct Envelope: Sendable {
    public let routingID: [UInt8]?
    public let message: Result<Message, ProtocolError>
}

/// Either layer's failure when sending a `Message`.
public enum MessageSendError: Error, Sendable, Equatable {
    case encoding(ProtocolError)
    case transport(ZMQError)
}

extension ZMQSocket {
    /// Encodes and sends `message` (blocking up to `SNDTIMEO`). A ROUTER must name the peer with `routingID`.
    public func send(_ message: Message, to routingID: [UInt8]? = nil, codec: MessageCodec = .standard) throws(MessageSendError) {
        let frames: [[UInt8]]
        do throws(ProtocolError) {
            if let routingID { frames = try codec.encode(message, to: routingID) } else { frames = try codec.encode(message) }
        } catch { throw .encoding(error) }
        do { try send(frames) } catch { throw .transport(error) }
    }

    /// Receives and decodes one message, waiting at most `timeoutMilliseconds` (−1 = forever); `nil` on timeout.
    public func receiveMessage(timeoutMilliseconds: Int, codec: MessageCodec = .standard) throws(ZMQError) -> Envelope? {
        guard let frames = try receive(timeoutMilliseconds: timeoutMilliseconds) else { return nil }
        if type == .router {
            guard let id = frames.first else { return Envelope(routingID: nil, message: .failure(.badMagic)) }
            return Envelope(routingID: id, message: Result { () throws(ProtocolError) in try codec.decode(frames: Array(frames.dropFirst())) })
        }
        return Envelope(routingID: nil, message: Result { () throws(ProtocolError) in try codec.decode(frames: frames) })
    }
}
