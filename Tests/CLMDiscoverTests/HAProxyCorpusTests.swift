import CLMDiscover
import CLMInventory
import CLMTestSupport
import Foundation
import Testing

/// HAProxy's own reg-test configs (68, and 12 heredoc crt-lists, with HAProxy's test
/// certificates and crt-lists), materialised in a temp dir: `${testdir}`
/// and `${tmpdir}` rewritten to it, heredoc crt-lists written where the
/// test writes them, and git symlinks made symlinks again.
///
/// What each config should yield follows HAProxy's configuration manual:
/// `crt` on `bind` (frontend, listen, peers, log-forward) serves; `crt` on
/// `server`/`default-server` with `ssl` or `check-ssl` is presented to the
/// server; a missing `FILE` loads `FILE.rsa`/`.ecdsa`/`.dsa`; `FILE.issuer`
/// goes with `FILE.ocsp`; `ssl-load-extra-del-ext` finds `site.key` for
/// `site.crt`; a peers `server` without address is the local peer.
@Suite("Peers' corpora: HAProxy reg-tests", .timeLimit(.minutes(3)))
struct HAProxyCorpusTests {
    final class Materialised: Sendable {
        let temp: TemporaryDirectory
        let certs: String
        /// Config name (file name without `.cfg`) → materialised config.
        let configs: [String: String]

        init() throws {
            temp = try TemporaryDirectory(prefix: "clm-haproxy-corpus")
            let corpus = try PeerCorpus.directory("haproxy")
            let testdir = temp.url.appendingPathComponent("testdir")
            try PeerCorpus.copy(corpus.appendingPathComponent("testdir"), to: testdir)
            try PeerCorpus.restoreSymlinks(in: testdir)
            certs = testdir.appendingPathComponent("certs").path
            var configs: [String: String] = [:]
            let configDir = corpus.appendingPathComponent("configs")
            for name in try FileManager.default.contentsOfDirectory(atPath: configDir.path) where name.hasSuffix(".cfg") {
                let stem = String(name.dropLast(4))
                let dir = temp.url.appendingPathComponent("configs/\(stem)")
                let tmpdir = dir.appendingPathComponent("tmpdir")
                try FileManager.default.createDirectory(at: tmpdir, withIntermediateDirectories: true)
                let text = try String(contentsOf: configDir.appendingPathComponent(name), encoding: .utf8)
                    .replacingOccurrences(of: "${testdir}", with: testdir.path)
                    .replacingOccurrences(of: "${tmpdir}", with: tmpdir.path)
                try text.write(to: dir.appendingPathComponent("haproxy.cfg"), atomically: true, encoding: .utf8)
                // The vtc writes this crt-list to ${tmpdir} before starting HAProxy.
                let heredoc = configDir.appendingPathComponent("\(stem).ocsp_compat_check.list")
                if FileManager.default.fileExists(atPath: heredoc.path) {
                    try FileManager.default.copyItem(at: heredoc, to: tmpdir.appendingPathComponent("ocsp_compat_check.list"))
                }
                configs[stem] = dir.appendingPathComponent("haproxy.cfg").path
            }
            self.configs = configs
        }

        func read(_ name: String) throws -> ConfigScan {
            let path = try #require(configs[name], "no config \(name) in the corpus")
            return HAProxyConfigReader().read(mainFile: path)
        }

        /// `role cert[ key=KEY] @file:line detail`, paths relative to the certs directory.
        func rows(_ scan: ConfigScan) -> [String] {
            scan.sites.map { site in
                var row = "\(site.role.rawValue) \(relative(site.certPath))"
                if let key = site.keyPath, key != site.certPath { row += " key=\(relative(key))" }
                let file = (site.location.file as NSString).lastPathComponent
                row += " @\(file):\(site.location.line)"
                if let detail = site.roleDetail { row += " \(relative(detail))" }
                return row
            }
        }

        private func relative(_ path: String) -> String {
            path.replacingOccurrences(of: certs + "/", with: "").replacingOccurrences(of: temp.path + "/configs/", with: "")
        }
    }

    @Test("Each config yields the certificates HAProxy loads from it, with role and place")
    func expectedSites() throws {
        let corpus = try Materialised()
        let expected: [String: [String]] = [
            // server ... ssl crt in a backend: client certificates.
            "dynamic_server_ssl_vtci.h1": [
                "client client1.pem @haproxy.cfg:25 backend test server s1 ${VTC_SOCK_TYPE}+${h1_ssl_lst_sock}",
                "client client1.pem @haproxy.cfg:26 backend test server s2 ${VTC_SOCK_TYPE}+${h1_ssl_lst_sock}",
                "client client1.pem @haproxy.cfg:27 backend test server s3 ${VTC_SOCK_TYPE}+${h1_ssl_lst_sock}",
                "server common.pem @haproxy.cfg:31",
            ],
            // default-server crt, overridden per server; crt relative to crt-base.
            "ssl_default_server_vtci.h1": [
                "client client1.pem @haproxy.cfg:39 backend first_be server s1 ${VTC_SOCK_TYPE}+${h1_ssl_sock}",
                "client client1.pem @haproxy.cfg:43 backend second_be server s1 ${VTC_SOCK_TYPE}+${h1_ssl_sock}",
                "client client2_expired.pem @haproxy.cfg:47 backend third_be server s1 ${VTC_SOCK_TYPE}+${h1_ssl_sock}",
                "client client1.pem @haproxy.cfg:51 backend fourth_be server s1 ${VTC_SOCK_TYPE}+${h1_ssl_sock}",
                "client client1.pem @haproxy.cfg:56 backend fifth_be server s1 ${VTC_SOCK_TYPE}+${h1_ssl_sock}",
                "client client2_expired.pem @haproxy.cfg:57 backend fifth_be server s2 ${VTC_SOCK_TYPE}+${h1_ssl_sock}",
                "client client1.pem @haproxy.cfg:58 backend fifth_be server s3 ${VTC_SOCK_TYPE}+${h1_ssl_sock}",
                "server common.pem @haproxy.cfg:62",
            ],
            // peers: bind serves; remote servers get default-server's crt; `server A` is the local peer.
            "tls_basic_sync_vtc.h1": [
                "server common.pem @haproxy.cfg:17",
                "client common.pem @haproxy.cfg:19 peers peers server B ${h2_B_addr}:${h2_B_port}",
                "client common.pem @haproxy.cfg:20 peers peers server C ${h3_C_addr}:${h3_C_port}",
                "client common.pem @haproxy.cfg:21 peers peers server D ${h4_D_addr}:${h4_D_port}",
            ],
            "tls_basic_sync_vtc.h4": [],
            // log-forward bind; the ring's `server ... ssl` has no crt.
            "log_forward_ssl_vtc.h1": ["server common.pem @haproxy.cfg:39"],
            // Multi-certificate bundle: cert1-example.com.pem does not exist, .rsa and .ecdsa do.
            "set_ssl_cert_bundle_vtc.h1": [
                "server cert1-example.com.pem.rsa @haproxy.cfg:37",
                "server cert1-example.com.pem.ecdsa @haproxy.cfg:37",
            ],
            // Bundle under crt-base, each member with its .ocsp and .issuer.
            "ocsp_auto_update_vtci.h1": [
                "server ocsp_update/multicert/server_ocsp.pem.rsa @haproxy.cfg:24",
                "ocsp-issuer ocsp_update/multicert/server_ocsp.pem.rsa.issuer @haproxy.cfg:24 ocsp_update/multicert/server_ocsp.pem.rsa",
                "server ocsp_update/multicert/server_ocsp.pem.ecdsa @haproxy.cfg:24",
                "ocsp-issuer ocsp_update/multicert/server_ocsp.pem.ecdsa.issuer @haproxy.cfg:24 ocsp_update/multicert/server_ocsp.pem.ecdsa",
            ],
            "show_ssl_ocspresponse_vtci.h1": [
                "server show_ocsp_server.pem @haproxy.cfg:33",
                "ocsp-issuer show_ocsp_server.pem.issuer @haproxy.cfg:33 show_ocsp_server.pem",
            ],
            // ssl-load-extra-del-ext: common.crt's key is common.key.
            "set_ssl_cert_noext_vtci.h1": ["server common.crt key=common.key @haproxy.cfg:37"],
            // crt-store loads common.crt with common.key; the bind uses that entry.
            "crt_store_vtc.h1": [
                "server common.crt key=common.key @haproxy.cfg:8 crt-store",
                "server common.crt key=common.key @haproxy.cfg:16",
            ],
            // be6 has check-ssl without ssl: its health checks present the crt.
            "tls_health_checks_vtc.h2": [
                "client common.pem @haproxy.cfg:22 backend be2 server srv1 ${h1_fe1_addr}:${h1_fe1_port}",
                "client common.pem @haproxy.cfg:27 backend be4 server srv2 ${h1_fe2_addr}:${h1_fe2_port}",
                "client common.pem @haproxy.cfg:34 backend be6 server srv3 127.0.0.1:80 (health checks)",
            ],
            // generate-certificates: the serving crt and the signing CA.
            "ssl_generate_certificate_vtc.h1": [
                "server generate_certificates/gen_cert_server.pem @haproxy.cfg:35",
                "signing generate_certificates/gen_cert_ca.pem @haproxy.cfg:35 generate-certificates",
                "server generate_certificates/gen_cert_server.pem @haproxy.cfg:45",
                "signing generate_certificates/gen_cert_ca.pem @haproxy.cfg:45 generate-certificates",
            ],
            "issuers_chain_path_vtci.h1": ["server issuers-chain-path/server.pem @haproxy.cfg:25"],
            // bug-2265.crt is a symlink to common.pem in HAProxy's tree.
            "set_ssl_bug_2265_vtci.h1": ["server bug-2265.crt @haproxy.cfg:36"],
            // crt-list with SNI filters and negative filters.
            "tls12_ssl_crt-list_filters_vtc.h1": [
                "server common.pem @filters.crt-list:1",
                "server ecdsa.pem @filters.crt-list:2",
            ],
        ]
        for (name, rows) in expected.sorted(by: { $0.key < $1.key }) {
            let scan = try corpus.read(name)
            #expect(corpus.rows(scan) == rows, "\(name)")
        }
        let filters = try corpus.read("tls12_ssl_crt-list_filters_vtc.h1")
        #expect(filters.sites.first?.names == ["*.bug810.domain.tld", "record.bug810.domain.tld", "*.bug818.domain.tld"])
    }

    @Test("All 68 configs: every certificate referenced exists once materialised, and every warning names file:line")
    func everyConfig() throws {
        let corpus = try Materialised()
        #expect(corpus.configs.count == 68)  // plus 12 heredoc crt-lists: the 80 files of the corpus
        for (name, path) in corpus.configs.sorted(by: { $0.key < $1.key }) {
            let scan = HAProxyConfigReader().read(mainFile: path)
            for site in scan.sites {
                #expect(FileManager.default.fileExists(atPath: site.certPath), "\(name): \(site.certPath)")
                if let key = site.keyPath { #expect(FileManager.default.fileExists(atPath: key), "\(name): \(key)") }
            }
            for warning in scan.warnings {
                #expect(warning.location.line > 0 && scan.files.contains(warning.location.file), "\(name): \(warning)")
            }
            let expectedWarnings = name == "crt_store_vtc.h2.conf-bad"
                ? ["\(path):4: crt \(corpus.certs)/common.pem is used before the crt-store at line 7 loads it; HAProxy refuses this"] : []
            #expect(scan.warnings.map(\.description) == expectedWarnings, "\(name)")
        }
    }

    @Test("Into the inventory: every site with its role, every certificate it names, and nothing else")
    func inventory() throws {
        let corpus = try Materialised()
        let inventory = try Inventory(path: corpus.temp.file("inventory.sqlite").path)
        let paths = corpus.configs.keys.sorted().compactMap { corpus.configs[$0] }
        let summary = try ConfigDiscovery(inventory: inventory).discover(nginx: [], haproxy: paths)
        #expect(summary.scan?.warnings.isEmpty == true, "\(summary.scan?.warnings ?? [])")

        // Sites: one row per (file, line, certificate), with the role the reader gave.
        let stored = try inventory.scans.sites()
        var byKey: [String: String] = [:]
        for site in summary.sites { byKey["\(site.location) \(site.certPath)"] = site.role.rawValue }
        #expect(stored.count == byKey.count)
        for site in stored {
            #expect(byKey["\(site.configFile):\(site.configLine) \(site.certificatePath ?? "")"] == site.role)
        }
        let roles = Set(stored.map(\.role))
        #expect(roles == ["server", "client", "ocsp-issuer", "signing"])

        // Every named certificate file holds certificates now in the inventory, and no other file does.
        let real = { (path: String) in URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
        let named = Set(summary.sites.flatMap { [$0.certPath] + ($0.keyPath.map { [$0] } ?? []) }.map(real))
        var located = Set<String>()
        for certificate in try inventory.scans.listCertificates() {
            let full = try inventory.scans.certificate(matching: certificate.facts.fingerprintSHA256)
            for location in full.locations where location.kind == .file && location.goneSince == nil {
                located.insert(real(location.ref))
            }
        }
        let certificateFiles = Set(summary.sites.map { real($0.certPath) })
        #expect(certificateFiles.subtracting(located).isEmpty, "named but not inventoried: \(certificateFiles.subtracting(located).sorted())")
        #expect(located.subtracting(named).isEmpty, "inventoried but not named: \(located.subtracting(named).sorted())")
    }
}
