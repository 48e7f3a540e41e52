import ArgumentParser
import Foundation
import Protocol

/// `keyscope curve-keygen --out PREFIX`: a CURVE key pair for a coordinator or worker.
struct CurveKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curve-keygen",
        abstract: "Write a ZeroMQ CURVE key pair: PREFIX.secret (mode 0600) and PREFIX.public; never overwrites.")
    @Option(help: "Path prefix of the key files.") var out: String

    func run() throws {
        guard ZMQCurve.isAvailable else { throw ValidationError("this libzmq was built without CURVE support") }
        let pair = try ZMQCurve.keyPair()
        do { try CurveKeyFile.write(pair, base: out) } catch {
            FileHandle.standardError.write(Data("keyscope: \(error)\n".utf8)); throw ExitCode(1)
        }
        print("wrote \(CurveKeyFile.secretPath(base: out)) (secret, 0600) and \(CurveKeyFile.publicPath(base: out))")
        print("public key: \(pair.publicKey)")
    }
}
