import Foundation
import Testing
import CLMCrypto
import CLMInventory
import CLMHTTP
import CLMTestSupport
@testable import CLMRequest

@Suite("Issuance on a real pebble")
struct IssuanceOnPebbleTests {
    @Test("every key type is issued over http-01 standalone, and each certificate carries its own key")
    func everyKeyTypeIsIssued() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let requests = KeyType.allCases.map { type in
            CertificateRequest(name: "kt-\(type.rawValue)", identifiers: [.dns("\(type.rawValue).example.test")], keyType: type)
        }
        let results = await fixture.issuer(fixture.standalone).obtainAll(requests, concurrency: 5)
        for (request, result) in zip(requests, results) {
            let issued = try result.get()
            #expect(issued.key.keyType == request.keyType)
            #expect(issued.certificate.spkiSHA256Hex == (try issued.key.publicKeySHA256Hex()))
            #expect(issued.chain.certificates.count >= 2)
            let paths = try #require(issued.paths)
            #expect(fileMode(paths.key) == 0o600)
            #expect(!FileManager.default.fileExists(atPath: fixture.state.certificateDirectory(request.name) + "/pending.key"))
            #expect(fixture.state.currentCertificate(name: request.name)?.sha256Hex == issued.certificate.sha256Hex)
        }
        let issued = await fixture.recorder.issued
        #expect(issued.count == KeyType.allCases.count)
        let orders = await fixture.recorder.orders
        #expect(orders.values.allSatisfy { $0.state == .completed })
        #expect(fileMode(fixture.state.root) == 0o700)
        #expect(fileMode(fixture.state.accountDirectory(fixture.client.directoryURL) + "/account.key") == 0o600)
    }

    @Test("http-01 through a webroot served by a web server issues and removes the token files")
    func webrootIssues() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let webroot = try TestSupport.temporaryDirectory("clm-webroot")
        defer { try? FileManager.default.removeItem(atPath: webroot) }
        let server = try serveWebroot(webroot, port: fixture.pebble.httpPort)
        defer { server.stop() }
        let issued = try await fixture.issuer(WebrootSolver(webroot: webroot))
            .obtain(CertificateRequest(name: "web", identifiers: [.dns("www.example.test"), .dns("example.test")]))
        #expect(["www.example.test", "example.test"].contains(issued.certificate.subjectCommonName ?? ""))
        #expect(try FileManager.default.contentsOfDirectory(atPath: webroot).isEmpty)
    }

    @Test("dns-01 through the sample challtestsrv hook issues a wildcard certificate")
    func dnsHookIssuesWildcard() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let solver = DNSHookSolver(hook: PebbleFixture.hooksDirectory + "/dns-pebble-challtestsrv",
                                   extraEnvironment: ["CLM_CHALLTESTSRV": fixture.pebble.challengeManagementURL])
        let issued = try await fixture.issuer(solver)
            .obtain(CertificateRequest(name: "wild", identifiers: [.dns("*.wild.example.test"), .dns("wild.example.test")]))
        #expect(["*.wild.example.test", "wild.example.test"].contains(issued.certificate.subjectCommonName ?? ""))
    }

    @Test("an IP address identifier is validated over http-01 and issued")
    func ipIdentifierIsIssued() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let issued = try await fixture.issuer(fixture.standalone)
            .obtain(CertificateRequest(name: "ip", identifiers: [.ip("127.0.0.1")]))
        let order = try await fixture.client.order(fixture.account, url: issued.orderURL)
        #expect(order.identifiers == [.ip("127.0.0.1")])
    }

    @Test("with alternate roots the preferred chain is chosen by issuer CN")
    func alternateChainIsChosen() async throws {
        var options = Pebble.Options()
        options.environment["PEBBLE_ALTERNATE_ROOTS"] = "2"
        let fixture = try await PebbleFixture.start(options)
        defer { fixture.stop() }
        let first = try await fixture.issuer(fixture.standalone).obtain(CertificateRequest(name: "alt", identifiers: [.dns("alt.example.test")]))
        #expect(first.alternates.count == 2)
        let alternate = try await fixture.client.downloadCertificate(fixture.account, url: first.alternates[1]).chain
        let wanted = try #require(alternate.topIssuerCommonName)
        #expect(wanted != first.chain.topIssuerCommonName)
        let second = try await fixture.issuer(fixture.standalone)
            .obtain(CertificateRequest(name: "alt2", identifiers: [.dns("alt2.example.test")], preferredChain: wanted))
        #expect(second.chain.topIssuerCommonName == wanted)
    }

    @Test("with 30 % of nonces rejected, orders still issue")
    func nonceRejectionStillIssues() async throws {
        var options = Pebble.Options()
        options.environment["PEBBLE_WFE_NONCEREJECT"] = "30"
        let fixture = try await PebbleFixture.start(options)
        defer { fixture.stop() }
        let requests = (0..<4).map { CertificateRequest(name: "n\($0)", identifiers: [.dns("n\($0).example.test")]) }
        for result in await fixture.issuer(fixture.standalone).obtainAll(requests, concurrency: 4) {
            _ = try result.get()
        }
    }

    @Test("an open order left by an interrupted run is resumed, not duplicated")
    func interruptedOrderResumes() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let identifiers: [ACME.Identifier] = [.dns("resume.example.test")]
        let (_, url) = try await fixture.client.newOrder(fixture.account, identifiers: identifiers)
        let keyPath = try fixture.state.writePendingKey(try PrivateKey.generate(.ecP256), name: "resume")
        await fixture.recorder.recordOrder(OrderRecord(certificateName: "resume", directoryURL: fixture.client.directoryURL, orderURL: url,
                                                       identifiers: identifiers, state: .pending, keyPath: keyPath, updatedAt: Date()))
        let issued = try await fixture.issuer(fixture.standalone).obtain(CertificateRequest(name: "resume", identifiers: identifiers))
        #expect(issued.resumed)
        #expect(issued.orderURL == url)
        #expect(await fixture.recorder.orders.count == 1)
    }

    @Test("an open order for other names is abandoned and a new one placed")
    func changedOrderIsAbandoned() async throws {
        let fixture = try await PebbleFixture.start()
        defer { fixture.stop() }
        let (_, url) = try await fixture.client.newOrder(fixture.account, identifiers: [.dns("old.example.test")])
        await fixture.recorder.recordOrder(OrderRecord(certificateName: "changed", directoryURL: fixture.client.directoryURL, orderURL: url,
                                                       identifiers: [.dns("old.example.test")], state: .pending, keyPath: nil, updatedAt: Date()))
        let issued = try await fixture.issuer(fixture.standalone).obtain(CertificateRequest(name: "changed", identifiers: [.dns("new.example.test")]))
        #expect(!issued.resumed)
        #expect(await fixture.recorder.orders[url]?.state == .abandoned)
    }
}
