import Foundation

/// Shared JSON reading for `preprocessor_config.json`, mapping failures to typed errors.
enum ProcessorConfigLoader {
    static func decode<T: Decodable>(url: URL) throws(ProcessorConfigError) -> T {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadable(file: url.path, reason: error.localizedDescription)
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch let DecodingError.dataCorrupted(ctx) {
            throw .invalidField(file: url.path, field: ctx.codingPath.map(\.stringValue).joined(separator: "."),
                                detail: ctx.debugDescription)
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .invalidField(file: url.path, field: ctx.codingPath.map(\.stringValue).joined(separator: "."),
                                detail: ctx.debugDescription)
        } catch {
            throw .unreadable(file: url.path, reason: "\(error)")
        }
    }
}
