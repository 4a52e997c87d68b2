import CLMDiscover
import CLMInventory
import CLMTestSupport
import Foundation
import Testing

/// certbot's nginx test trees and real-world round-trip corpus (205 files)
/// and crossplane's parser configs, materialised in a temp dir: absolute
/// paths in `include` and certificate directives rewritten into it, git
/// symlinks made symlinks again, and a fresh certificate (or key) written
/// wherever a directive names one.
///
/// What each config should yield follows nginx's documentation: a server
/// serves `ssl_certificate` (its own or inherited from `http`/`mail`/
/// `stream`) on `listen ... ssl` ports, mail servers also after STARTTLS;
/// nginx's lexer keeps `${var}` in a word and ngx_lua skips Lua block bodies.
@Suite("Peers' corpora: certbot and crossplane nginx configs", .timeLimit(.minutes(3)))
struct NginxCorpusTests {
    final class Materialised: Sendable {
        let temp: TemporaryDirectory
        let root: URL
        /// Main files, relative to `root` (each read on its own, as certbot's round-trip test does).
        let mains: [String]
        /// Certificate and key files written for the configs, relative to `root`.
        let generated: Set<String>

        static let certificateDirectives = ["ssl_certificate", "proxy_ssl_certificate", "grpc_ssl_certificate", "uwsgi_ssl_certificate"]

        init() async throws {
            temp = try TemporaryDirectory(prefix: "clm-nginx-corpus")
            root = temp.url.appendingPathComponent("peer")
            for part in ["certbot/etc_nginx", "certbot/roundtrip", "crossplane/configs"] {
                try PeerCorpus.copy(try PeerCorpus.directory(part), to: root.appendingPathComponent(part))
            }
            try PeerCorpus.restoreSymlinks(in: root)
            let fm = FileManager.default
            var mains: [String] = []
            var files: [String] = []
            let enumerator = fm.enumerator(atPath: root.path)
            while let name = enumerator?.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let path = root.appendingPathComponent(name)
                guard fm.fileExists(atPath: path.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                      (try? fm.destinationOfSymbolicLink(atPath: path.path)) == nil else { continue }
                files.append(name)
            }
            files.sort()
            for name in files {
                if name.hasPrefix("certbot/roundtrip/") { mains.append(name) }
                if name.hasPrefix("crossplane/configs/") && (name.hasSuffix("/nginx.conf") || name.contains("missing-semicolon/")) { mains.append(name) }
                if name.hasPrefix("certbot/etc_nginx/"), name.split(separator: "/").count == 3, name != "certbot/etc_nginx/mime.types" { mains.append(name) }
            }
            mains.append("certbot/etc_nginx/ubuntu_nginx_1_4_6/default_vhost/nginx/nginx.conf")
            self.mains = mains

            // Rewrite absolute paths; collect what the certificate directives name.
            var certificates = Set<String>()
            var keys = Set<String>()
            for name in files {
                let path = root.appendingPathComponent(name)
                guard let data = fm.contents(atPath: path.path) else { continue }
                let confDir = Self.confDir(of: name, root: root)
                let original = String(decoding: data, as: UTF8.self)
                guard String(data: data, encoding: .utf8) != nil else { continue }  // leave non-UTF-8 files byte-exact
                let text = Self.rewriteAbsolutePaths(original, confDir: confDir, root: root)
                if text != original { try text.write(to: path, atomically: true, encoding: .utf8) }
                for (directive, value) in Self.directives(in: text) where !value.contains("$") {
                    let resolved = value.hasPrefix("/") ? value : confDir.appendingPathComponent(value).path
                    if Self.certificateDirectives.contains(directive) { certificates.insert(resolved) }
                    if Self.certificateDirectives.map({ $0 + "_key" }).contains(directive) { keys.insert(resolved) }
                }
            }
            let factory = CertificateFactory(directory: temp.url.appendingPathComponent("workshop"))
            try fm.createDirectory(at: factory.directory, withIntermediateDirectories: true)
            var generated = Set<String>()
            for (index, path) in certificates.union(keys).sorted().enumerated() {
                let made = try await factory.authority("generated-\(index)", commonName: (path as NSString).lastPathComponent)
                try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try? fm.removeItem(atPath: path)
                try fm.copyItem(at: keys.contains(path) && !certificates.contains(path) ? made.key : made.certificate,
                                to: URL(fileURLWithPath: path))
                generated.insert(path)
            }
            self.generated = generated
        }

        /// The directory nginx resolves a file's relative paths against: its tree's root.
        static func confDir(of name: String, root: URL) -> URL {
            let parts = name.split(separator: "/").map(String.init)
            if name.hasPrefix("certbot/etc_nginx/ubuntu_nginx_1_4_6/") {
                return root.appendingPathComponent("certbot/etc_nginx/ubuntu_nginx_1_4_6/default_vhost/nginx")
            }
            if name.hasPrefix("certbot/etc_nginx/") { return root.appendingPathComponent("certbot/etc_nginx") }
            if name.hasPrefix("certbot/roundtrip/") { return root.appendingPathComponent(parts.dropLast().joined(separator: "/")) }
            return root.appendingPathComponent(parts.prefix(3).joined(separator: "/"))
        }

        /// `/etc/nginx/...` becomes the tree's own directory; any other
        /// absolute path in an include or certificate directive moves under `root/abs`.
        static func rewriteAbsolutePaths(_ text: String, confDir: URL, root: URL) -> String {
            let pattern = #"(\b(?:include|ssl_certificate|ssl_certificate_key|proxy_ssl_certificate|proxy_ssl_certificate_key)\s+["']?)(/[^\s;"']+)"#
            let regex = try! NSRegularExpression(pattern: pattern)
            var result = text
            for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
                guard let range = Range(match.range(at: 2), in: result) else { continue }
                let path = String(result[range])
                let replaced = path.hasPrefix("/etc/nginx/")
                    ? confDir.appendingPathComponent(String(path.dropFirst("/etc/nginx/".count))).path
                    : root.appendingPathComponent("abs").path + path
                result.replaceSubrange(range, with: replaced)
            }
            return result
        }

        /// `(directive, first argument)` of certificate and key directives outside comments.
        static func directives(in text: String) -> [(String, String)] {
            let names = certificateDirectives + certificateDirectives.map { $0 + "_key" }
            let regex = try! NSRegularExpression(pattern: #"(?:^|[;{}\s])("# + names.joined(separator: "|") + #")\s+["']?([^\s;"']+)"#)
            var found: [(String, String)] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                var code = String(line)
                if let hash = code.firstIndex(of: "#") { code = String(code[..<hash]) }
                for match in regex.matches(in: code, range: NSRange(code.startIndex..., in: code)) {
                    guard let directive = Range(match.range(at: 1), in: code), let value = Range(match.range(at: 2), in: code) else { continue }
                    found.append((String(code[directive]), String(code[value])))
                }
            }
            return found
        }

        func read(_ name: String) -> ConfigScan { NginxConfigReader().read(mainFile: root.appendingPathComponent(name).path) }

        /// `role cert @file:line names on listeners-or-ports`, paths relative to the corpus root.
        func rows(_ scan: ConfigScan) -> [String] {
            scan.sites.map { site in
                let where_ = site.listeners.isEmpty ? site.ports.map(String.init).joined(separator: ",") : site.listeners.map(\.description).joined(separator: ",")
                return "\(site.role.rawValue) \(relative(site.certPath)) @\(relative(site.location.file)):\(site.location.line) \(site.names.joined(separator: " ")) on \(where_)"
            }
        }

        func relative(_ path: String) -> String { path.replacingOccurrences(of: root.path + "/", with: "") }
    }

    /// Every main file that yields a site, and what it yields. Reviewed
    /// against nginx's rules: legacy `ssl on` makes every listen TLS
    /// (79-configs), `server_name _`-less servers keep their names, the
    /// mail server takes the `mail{}` certificate (imapproxyexample).
    static let expectedSites: [String: [String]] = [
            "certbot/etc_nginx/nginx-include.conf": [
                "server certbot/etc_nginx/cert.pem @certbot/etc_nginx/sites-enabled/both.com:21 ssl.both.com on 5001",
                "server certbot/etc_nginx/cert.pem @certbot/etc_nginx/sites-enabled/both.com:30 *.both.com on 5001",
                "server certbot/etc_nginx/snakeoil.cert @certbot/etc_nginx/sites-enabled/headers.com:5 headers.com on 443",
                "server certbot/etc_nginx/cert.pem @certbot/etc_nginx/sites-enabled/migration.com:11 migration.com geese.com on 443",
                "server certbot/etc_nginx/snakeoil.cert @certbot/etc_nginx/sites-enabled/sslon.com:4 sslon.com on 443",
            ],
            "certbot/etc_nginx/nginx.conf": [
                "server certbot/etc_nginx/cert.pem @certbot/etc_nginx/sites-enabled/both.com:21 ssl.both.com on 5001",
                "server certbot/etc_nginx/cert.pem @certbot/etc_nginx/sites-enabled/both.com:30 *.both.com on 5001",
                "server certbot/etc_nginx/snakeoil.cert @certbot/etc_nginx/sites-enabled/headers.com:5 headers.com on 443",
                "server certbot/etc_nginx/cert.pem @certbot/etc_nginx/sites-enabled/migration.com:11 migration.com geese.com on 443",
                "server certbot/etc_nginx/snakeoil.cert @certbot/etc_nginx/sites-enabled/sslon.com:4 sslon.com on 443",
            ],
            "certbot/roundtrip/79-configs/site-10571": [
                "server abs/etc/ssl/public/random25266.example.org.bundle.crt @certbot/roundtrip/79-configs/site-10571:10 www.random25266.example.org on 443",
                "server abs/etc/ssl/public/random1413.example.org.bundle.crt @certbot/roundtrip/79-configs/site-10571:40 random1413.example.org www.random1413.example.org on 443",
                "server abs/etc/ssl/public/random25266.example.org.bundle.crt @certbot/roundtrip/79-configs/site-10571:53 random25266.example.org on 443",
            ],
            "certbot/roundtrip/79-configs/site-15270": [
                "server abs/etc/ssl/public/random6822.example.org.complete-bundle.crt @certbot/roundtrip/79-configs/site-15270:10 random6822.example.org on 8443",
            ],
            "certbot/roundtrip/79-configs/site-19639": [
                "server abs/etc/ssl/public/random23886.example.org.complete-bundle.crt @certbot/roundtrip/79-configs/site-19639:10 random23886.example.org on 443",
            ],
            "certbot/roundtrip/79-configs/site-23325": [
                "server abs/etc/ssl/public/random7381.example.org_chained.crt @certbot/roundtrip/79-configs/site-23325:10 random7381.example.org on 443",
                "server abs/etc/ssl/public/random7381.example.org_chained.crt @certbot/roundtrip/79-configs/site-23325:48 random7381.example.org www.random7381.example.org on 8445",
                "server abs/etc/ssl/public/random7381.example.org_chained.crt @certbot/roundtrip/79-configs/site-23325:59 random7381.example.org www.random7381.example.org on 1000",
                "server abs/etc/ssl/public/random7381.example.org_chained.crt @certbot/roundtrip/79-configs/site-23325:70 www.random7381.example.org on 443",
            ],
            "certbot/roundtrip/79-configs/site-23470": [
                "server abs/etc/ssl/public/random27579.example.org.bundle.crt @certbot/roundtrip/79-configs/site-23470:10 random27579.example.org on 443",
                "server abs/etc/ssl/public/random27579.example.org.bundle.crt @certbot/roundtrip/79-configs/site-23470:40 www.random27579.example.org on 443",
            ],
            "certbot/roundtrip/79-configs/site-24193": [
                "server abs/etc/ssl/public/random2179.example.org.bundle.crt @certbot/roundtrip/79-configs/site-24193:9 random2179.example.org on 443",
            ],
            "certbot/roundtrip/79-configs/site-2951": [
                "server abs/etc/ssl/public/random12800.example.org.crt @certbot/roundtrip/79-configs/site-2951:45 random12800.example.org on 443",
            ],
            "certbot/roundtrip/79-configs/site-32438": [
                "server abs/etc/ssl/public/random6822.example.org.crt @certbot/roundtrip/79-configs/site-32438:21 random1769.example.org on 8444",
            ],
            "certbot/roundtrip/79-configs/site-3874": [
                "server abs/etc/ssl/public/random7267.example.org_chained.crt @certbot/roundtrip/79-configs/site-3874:11 random7267.example.org on 443",
                "server abs/etc/ssl/public/random7267.example.org_chained.crt @certbot/roundtrip/79-configs/site-3874:42 www.random7267.example.org on 443",
            ],
            "certbot/roundtrip/79-configs/site-8637": [
                "server abs/etc/ssl/public/random27891.example.org.bundle.crt @certbot/roundtrip/79-configs/site-8637:10 random27891.example.org on 443",
            ],
            "certbot/roundtrip/chive/chive-nginx-master/sites-available/secure.chive.example.com.conf": [
                "server abs/etc/ssl/certs/chive.example.com-cert.pem @certbot/roundtrip/chive/chive-nginx-master/sites-available/secure.chive.example.com.conf:35 www.chive.example.com on 443",
                "server abs/etc/ssl/certs/chive.example.com-cert.pem @certbot/roundtrip/chive/chive-nginx-master/sites-available/secure.chive.example.com.conf:60 chive.example.com on 443",
            ],
            "certbot/roundtrip/dokuwiki/nginx.conf": [
                "server abs/etc/ssl/certs/ssl-cert-snakeoil.pem @certbot/roundtrip/dokuwiki/nginx.conf:22 wiki.host.org on 443",
            ],
            "certbot/roundtrip/guide-to-nginx-ssl-spdy-hsts/nginx.conf": [
                "server abs/etc/ssl/secure.example.com.crt-combined @certbot/roundtrip/guide-to-nginx-ssl-spdy-hsts/nginx.conf:45 secure.example.com on 443",
            ],
            "certbot/roundtrip/imapproxyexample/nginx.conf": [
                "server certbot/roundtrip/imapproxyexample/ssl/wildcard.crt @certbot/roundtrip/imapproxyexample/nginx.conf:20 mx.example.org on mail *:143 tls=imap",
            ],
            "certbot/roundtrip/iredmail/iredadmin.conf": [
                "server certbot/roundtrip/iredmail/ssl/star.crt @certbot/roundtrip/iredmail/iredadmin.conf:6 mail.elegbara.com on 443",
            ],
            "certbot/roundtrip/iredmail/nginx.conf": [
                "server abs/etc/ssl/certs/iRedMail_CA.pem @certbot/roundtrip/iredmail/nginx.conf:37 mail.elegbara.net on 443",
            ],
            "certbot/roundtrip/osticket/nginx.conf": [
                "server certbot/roundtrip/osticket/certs/cert.pem @certbot/roundtrip/osticket/nginx.conf:30 tickets.mydomain.com on 443",
            ],
            "certbot/roundtrip/symfony/old.conf": [
                "server abs/etc/ssl/certs/symfony2.crt @certbot/roundtrip/symfony/old.conf:44 symfony2 on 443",
            ],
            "certbot/roundtrip/symfony/oldold.conf": [
                "server abs/etc/ssl/certs/mysite.com.crt @certbot/roundtrip/symfony/oldold.conf:29 mysite.com on 443",
            ],
            "certbot/roundtrip/upstream-issue-17/nginx.conf": [
                "server certbot/roundtrip/upstream-issue-17/ssl.crt/example.com.crt @certbot/roundtrip/upstream-issue-17/nginx.conf:7 prod.example.com example.com stage.example.com on 443",
            ],
    ]

    /// Warnings other than missing includes, each a real problem nginx reports too.
    static let expectedWarnings: [String: [String]] = [
        "certbot/etc_nginx/broken.conf": [
            "certbot/etc_nginx/broken.conf:12: directive '@@@' is missing its ';' at end of file",
            "certbot/etc_nginx/foo.conf:5: server listens with TLS on port(s) 80 but has no ssl_certificate",
        ],
        "certbot/etc_nginx/foo.conf": ["certbot/etc_nginx/foo.conf:5: server listens with TLS on port(s) 80 but has no ssl_certificate"],
        "certbot/etc_nginx/minimalistic_comments.conf": [
            "certbot/etc_nginx/foo.conf:5: server listens with TLS on port(s) 80 but has no ssl_certificate",
        ],
        "certbot/etc_nginx/nginx-include.conf": [
            "certbot/etc_nginx/foo.conf:5: server listens with TLS on port(s) 80 but has no ssl_certificate",
            "certbot/etc_nginx/sites-enabled/globalssl.com:6: server listens with TLS on port(s) 57 but has no ssl_certificate",
            "certbot/etc_nginx/sites-enabled/ipv6ssl.com:1: server listens with TLS on port(s) 443,5001 but has no ssl_certificate",
        ],
        "certbot/etc_nginx/nginx.conf": [
            "certbot/etc_nginx/foo.conf:5: server listens with TLS on port(s) 80 but has no ssl_certificate",
            "certbot/etc_nginx/sites-enabled/globalssl.com:6: server listens with TLS on port(s) 57 but has no ssl_certificate",
            "certbot/etc_nginx/sites-enabled/ipv6ssl.com:1: server listens with TLS on port(s) 443,5001 but has no ssl_certificate",
        ],
        "certbot/roundtrip/imapproxyexample/nginx.conf": [
            "certbot/roundtrip/imapproxyexample/nginx.conf:25: 'ssl on' and 'starttls' both apply to this mail server; nginx refuses that (clm reads it as TLS from the first byte)",
        ],
        "crossplane/configs/missing-semicolon/broken-above.conf": [
            "crossplane/configs/missing-semicolon/broken-above.conf:4: directive 'proxy_pass' is missing its ';'",
        ],
        "crossplane/configs/missing-semicolon/broken-below.conf": [
            "crossplane/configs/missing-semicolon/broken-below.conf:7: directive 'proxy_pass' is missing its ';'",
        ],
    ]

    @Test("Each config yields the sites nginx serves; the only syntax alarms are in files nginx rejects; missing includes name their include line")
    func everyConfig() async throws {
        let corpus = try await Materialised()
        #expect(corpus.mains.count == 236)
        var missingIncludes = 0
        for main in corpus.mains {
            let scan = corpus.read(main)
            #expect(corpus.rows(scan) == (Self.expectedSites[main] ?? []), "\(main)")
            var others: [String] = []
            for warning in scan.warnings {
                #expect(warning.location.line > 0, "\(main): \(warning)")
                if warning.message.contains("included file") {
                    missingIncludes += 1
                    let lines = (try? String(contentsOfFile: warning.location.file, encoding: .utf8))?.split(separator: "\n", omittingEmptySubsequences: false)
                    let line = lines.flatMap { $0.indices.contains(warning.location.line - 1) ? String($0[warning.location.line - 1]) : nil }
                    #expect(line?.contains("include") == true, "\(main): \(warning)")
                } else {
                    others.append(corpus.relative(warning.description))
                }
            }
            #expect(others == (Self.expectedWarnings[main] ?? []), "\(main)")
        }
        #expect(missingIncludes == 184)
    }

    @Test("Lua blocks and ${var} values from crossplane's corpus keep the file's structure")
    func crossplaneLexicalCases() async throws {
        let corpus = try await Materialised()
        for name in ["lua-block-simple", "lua-block-larger", "lua-block-tricky", "messy", "quoted-right-brace", "quote-behavior"] {
            let scan = corpus.read("crossplane/configs/\(name)/nginx.conf")
            #expect(scan.warnings.isEmpty, "\(name): \(scan.warnings)")
        }
        // The server after the Lua blocks is still read as a server: give it TLS and it yields a site.
        let tricky = corpus.root.appendingPathComponent("crossplane/configs/lua-block-tricky/nginx.conf")
        let text = try String(contentsOf: tricky, encoding: .utf8)
            .replacingOccurrences(of: "listen       127.0.0.1:8080;", with: "listen 127.0.0.1:8443 ssl; ssl_certificate t.pem; ssl_certificate_key t.key;")
        try text.write(to: tricky, atomically: true, encoding: .utf8)
        let scan = corpus.read("crossplane/configs/lua-block-tricky/nginx.conf")
        #expect(scan.sites.map(\.names) == [["content_by_lua_block"]])
        #expect(scan.sites.first?.ports == [8443])
    }

    @Test("Into the inventory: every certificate the configs serve, with its site, and nothing else")
    func inventory() async throws {
        let corpus = try await Materialised()
        let inventory = try Inventory(path: corpus.temp.file("inventory.sqlite").path)
        let mains = corpus.mains.filter { Self.expectedSites[$0] != nil }.map { corpus.root.appendingPathComponent($0).path }
        let summary = try ConfigDiscovery(inventory: inventory).discover(nginx: mains, haproxy: [])
        #expect(summary.scan?.warnings.isEmpty == true, "\(summary.scan?.warnings ?? [])")
        let stored = try inventory.scans.sites()
        #expect(Set(stored.map { "\($0.configFile):\($0.configLine) \($0.certificatePath ?? "")" })
                == Set(summary.sites.map { "\($0.location) \($0.certPath)" }))
        let mail = try #require(stored.first { $0.configFile.hasSuffix("imapproxyexample/nginx.conf") })
        #expect(mail.listen == ["*:143 tls=imap"])

        let named = Set(summary.sites.flatMap { [$0.certPath] + ($0.keyPath.map { [$0] } ?? []) })
        var located = Set<String>()
        for certificate in try inventory.scans.listCertificates() {
            for location in try inventory.scans.certificate(matching: certificate.facts.fingerprintSHA256).locations
            where location.kind == .file && location.goneSince == nil {
                located.insert(location.ref)
            }
        }
        let certificateFiles = Set(summary.sites.map(\.certPath))
        #expect(certificateFiles.subtracting(located).isEmpty, "named but not inventoried: \(certificateFiles.subtracting(located).sorted())")
        #expect(located.subtracting(named).isEmpty, "inventoried but not named: \(located.subtracting(named).sorted())")
    }
}
