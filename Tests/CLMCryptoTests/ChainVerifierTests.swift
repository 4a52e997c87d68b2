import Foundation
import Testing
import CLMCrypto
import CLMTestSupport

@Suite("Chain verification with X509_STORE at a fixed time")
struct ChainVerifierTests {
    @Test("A complete chain verifies, and the same chain fails when checked after it expires")
    func fixedTime() throws {
        let ca = try TestCA()
        let leaf = try ca.issue("localhost", notAfter: Date().addingTimeInterval(30 * 86_400))
        let verifier = try ChainVerifier(trust: .caFile(ca.root.certPath))
        let ok = try verifier.verify(leaf: leaf.der(), intermediates: [ca.intermediate.der()], hostName: "localhost")
        #expect(ok.isOK, "\(ok)")
        let later = try verifier.verify(leaf: leaf.der(), intermediates: [ca.intermediate.der()],
                                        at: Date().addingTimeInterval(60 * 86_400))
        #expect(later.code == VerifyResult.certHasExpired)
        #expect(later.depth == 0)
    }

    @Test("A missing intermediate, a wrong host and an untrusted root give their X509_V codes")
    func errors() throws {
        let ca = try TestCA()
        let leaf = try ca.issue("localhost")
        let verifier = try ChainVerifier(trust: .certificates([ca.root.der()]))
        #expect(try verifier.verify(leaf: leaf.der()).code == VerifyResult.unableToGetIssuerCertLocally)
        #expect(try verifier.verify(leaf: leaf.der(), intermediates: [ca.intermediate.der()], hostName: "other.example").code
                == VerifyResult.hostnameMismatch)
        let other = try TestCA()
        let stranger = try ChainVerifier(trust: .caFile(other.root.certPath))
        #expect(try stranger.verify(leaf: leaf.der(), intermediates: [ca.intermediate.der()]).code
                == VerifyResult.unableToGetIssuerCertLocally)
    }
}
