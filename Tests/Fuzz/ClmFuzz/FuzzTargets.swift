@testable import CLMAudit
@testable import CLMCrypto
@testable import CLMDeploy
@testable import CLMLifecycle
@testable import CLMLifecycle
@testable import CLMDiscover
@testable import CLMRequest
import Foundation

/// What each target feeds its bytes to. A target must never crash, trap or
/// hang on any input; the differential target also traps when the
/// pure-Swift X.509 reader and OpenSSL disagree.
enum FuzzTarget: String, CaseIterable {
    case der, pem, pkcs7, pkcs12, nginx, haproxy, postfix, dovecot, yaml, acme, starttls, x509diff

    func prepare() {
        try? FileManager.default.createDirectory(atPath: Scratch.directory + "/postfix", withIntermediateDirectories: true)
    }

    func run(_ bytes: [UInt8]) {
        switch self {
        case .der:
            _ = try? CertificateInfo(der: bytes)
            _ = try? CertificateInfo(leadingCertificateIn: bytes)
        case .pem:
            _ = PEMDecoder.blocks(in: bytes)
            _ = ContentSniffer().parse(bytes, path: "fuzz.pem")
            _ = ContentSniffer().parse(bytes, path: "fuzz.der")
        case .pkcs7:
            _ = try? PKCS7Bundle.certificates(from: bytes, encoding: .der)
            _ = try? PKCS7Bundle.certificates(from: bytes, encoding: .pem)
        case .pkcs12:
            // Through the wrapper, iteration cap in force: a file asking for
            // more rounds is refused before any key derivation.
            _ = try? PKCS12Bundle.open(bytes, passwords: ["fuzz"])
        case .nginx:
            _ = NginxConfigReader().read(mainFile: Scratch.write(bytes, as: "nginx.conf"))
        case .haproxy:
            _ = HAProxyConfigReader().read(mainFile: Scratch.write(bytes, as: "haproxy.cfg"))
        case .postfix:
            // main.cf, then master.cf after the first NUL byte (both are read for one instance).
            let split = bytes.firstIndex(of: 0) ?? bytes.endIndex
            _ = Scratch.write(Array(bytes[..<split]), as: "postfix/main.cf")
            _ = Scratch.write(Array(bytes[min(split + 1, bytes.endIndex)...]), as: "postfix/master.cf")
            _ = PostfixConfigReader().read(configDirectory: Scratch.directory + "/postfix")
        case .dovecot:
            _ = DovecotConfigReader().read(mainFile: Scratch.write(bytes, as: "dovecot.conf"))
        case .yaml:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = try? ConfigLoader().load(yaml: text, file: "fuzz.yaml")
            _ = try? PolicyLoader().load(yaml: text, path: "fuzz-policy.yaml")
        case .acme:
            let data = Data(bytes)
            let decoder = JSONDecoder()
            _ = try? decoder.decode(ACME.Directory.self, from: data)
            _ = try? decoder.decode(ACME.Account.self, from: data)
            _ = try? decoder.decode(ACME.Order.self, from: data)
            _ = try? decoder.decode(ACME.Authorization.self, from: data)
            _ = try? decoder.decode(ACME.Challenge.self, from: data)
            _ = try? decoder.decode(Problem.self, from: data).description
            _ = (try? decoder.decode(ACME.RenewalInfo.self, from: data))?.window
            _ = RFC3339.parse(String(decoding: bytes, as: UTF8.self))
        case .starttls:
            StartTLSStream.run(bytes)
        case .x509diff:
            X509Differential.check(bytes)
        }
    }
}

/// A per-process scratch directory for readers that take a file.
enum Scratch {
    static let directory = NSTemporaryDirectory() + "/clm-fuzz-\(getpid())"

    static func write(_ bytes: [UInt8], as name: String) -> String {
        let path = directory + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }
}

/// The STARTTLS dialogue reading a server's bytes from a socketpair: the
/// first byte picks SMTP, IMAP or POP3, the rest is what the "server" says.
enum StartTLSStream {
    static func run(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        let proto: StartTLSProtocol = [.smtp, .imap, .pop3][Int(first) % 3]
        var pair: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { return }
        // The server's side: everything at once, then EOF. Inputs stay far
        // below the socket buffer (libFuzzer -max_len), so this never blocks.
        let payload = Array(bytes.dropFirst())
        _ = payload.withUnsafeBytes { send(pair[1], $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        shutdown(pair[1], Int32(SHUT_WR))
        let socket = ProbeSocket(fd: pair[0], address: ResolvedAddress(family: AF_UNIX, storage: [], text: "fuzz"))
        var dialogue = StartTLSDialogue(socket: socket, deadline: Deadline(seconds: 2))
        _ = dialogue.run(proto)
        close(pair[1])
    }
}

/// The pure-Swift reader against OpenSSL's d2i_X509 on the same bytes.
///
/// d2i_X509 checks the structure only; OpenSSL checks extensions and times
/// afterwards (flagging a bad one, which verification then refuses). So:
/// - clm rejects what OpenSSL accepts fully (structure, extensions, times,
///   public key, a version RFC 5280 defines):
///   trap, since the inventory would miss a certificate every client takes;
/// - both accept: notAfter, serial, DNS SANs and key size must agree;
/// - clm accepts what OpenSSL refuses (a damaged extension clm does not
///   store, a name string that is not valid in its declared type): counted
///   as known leniency, not a trap (docs/fuzzing.md lists the classes found).
enum X509Differential {
    static func check(_ bytes: [UInt8]) {
        let result = Result { () throws(CertificateParseError) in try CertificateInfo(der: bytes) }
        let structural = OpenSSLCertificateView(der: bytes)
        let clean = structural.flatMap { view in
            view.invalidExtensions || !view.validTimes || view.keyBits == nil || !(0...2).contains(view.version) ? nil : view
        }
        switch (result, structural, clean) {
        case (.failure(let error), _, .some):
            fatalError("clm rejects (\(error)) a certificate OpenSSL accepts")
        case (.success(let ours), _, .some(let theirs)):
            if let notAfter = theirs.notAfter, notAfter != ours.notAfter {
                fatalError("notAfter differs: clm \(ours.notAfter), OpenSSL \(notAfter)")
            }
            if theirs.serialHex != ours.serialHex { fatalError("serial differs: clm \(ours.serialHex), OpenSSL \(theirs.serialHex)") }
            if let names = theirs.dnsNames, names != ours.dnsNames { fatalError("DNS SANs differ: clm \(ours.dnsNames), OpenSSL \(names)") }
            if let bits = theirs.keyBits, let ourBits = ours.publicKey.algorithm.bits, bits != ourBits {
                fatalError("key size differs: clm \(ourBits), OpenSSL \(bits)")
            }
        default:
            return  // both reject, or the tolerated case above
        }
    }
}
