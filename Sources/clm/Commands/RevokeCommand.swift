import ArgumentParser
import CLMCrypto
import CLMRequest
import Foundation

/// `clm revoke NAME [--reason ...]`
struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke the current certificate of NAME at the CA that issued it."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var acme: ACMEServerOptions

    @Argument(help: ArgumentHelp("Certificate name.", valueName: "name"))
    var name: String

    @Option(name: .long, help: ArgumentHelp("RFC 5280 reason: \(RevocationReason.allCases.map(\.name).joined(separator: ", ")).", valueName: "reason"))
    var reason: String?

    struct Result: Encodable {
        let name: String
        let revoked: Bool
        let serial: String
        let fingerprintSHA256: String
        let reason: String?

        enum CodingKeys: String, CodingKey {
            case name, revoked, serial, reason
            case fingerprintSHA256 = "fingerprint_sha256"
        }
    }

    func validate() throws {
        if let reason, RevocationReason.allCases.first(where: { $0.name == reason }) == nil {
            throw ValidationError("unknown --reason \(reason); use one of \(RevocationReason.allCases.map(\.name).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let store = try acme.stateDirectory()
        guard let certificate = store.currentCertificate(name: name) else {
            throw CommandFailure.usage("no certificate named \(name) in \(store.root)/certificates")
        }
        let client = try await acme.connect(try acme.serverURL(in: store))
        let recorder = try await openRecorder(global, store: store)
        do {
            let account = try AccountManager(client: client, state: store, recorder: recorder).load()
            let code = reason.flatMap { r in RevocationReason.allCases.first { $0.name == r } }
            try await client.revoke(certificateDER: certificate.der, reason: code, account: account)
            if acme.format == .json {
                try JSONOutput.print(Result(name: name, revoked: true, serial: certificate.serialHex, fingerprintSHA256: certificate.sha256Hex, reason: reason))
            } else if !global.quiet {
                print("\(name): revoked serial \(certificate.serialHex)" + (reason.map { " (\($0))" } ?? ""))
            }
        } catch let error as ACMEError {
            throw CommandFailure.failed("\(name): \(error)")
        } catch {
            throw CommandFailure.failed("\(name): \(error)")
        }
    }
}
