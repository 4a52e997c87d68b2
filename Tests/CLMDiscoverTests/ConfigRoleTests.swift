import Foundation
import Testing
import CLMDiscover
import CLMTestSupport

/// Small configs of our own for each kind of certificate reference the
/// readers must follow (issue 15); the peers' corpora are in PeerCorpusTests.
@Suite("HAProxy client certificates, bundles, peers and log-forward")
struct HAProxyRoleTests {
    private func names(_ sites: [ConfigSite]) -> [String] {
        sites.map { "\($0.role.rawValue) \(($0.certPath as NSString).lastPathComponent) \($0.roleDetail ?? "")" }
    }

    @Test("server and default-server crt are client certificates toward the backend, inherited as HAProxy does")
    func clientCertificates() throws {
        let dir = try TemporaryDirectory(prefix: "clm-haproxy")
        try FileManager.default.createDirectory(at: dir.file("certs"), withIntermediateDirectories: true)
        for name in ["dflt.pem", "own.pem", "site.pem", "peer.pem"] { try dir.write("certs/\(name)", "") }
        try dir.write("haproxy.cfg", """
        global
            crt-base \(dir.path)/certs

        defaults
            default-server ssl crt dflt.pem verify none

        backend app
            server s1 10.0.0.1:8443
            server s2 10.0.0.2:8443 crt own.pem
            server s3 10.0.0.3:80 no-ssl

        backend plain
            default-server no-ssl
            server p1 10.0.0.4:80

        defaults
            mode http

        backend mtls
            server m1 10.0.0.5:443 ssl verify none crt own.pem
            server m2 10.0.0.6:443 crt own.pem

        listen both
            bind :443 ssl crt site.pem
            default-server ssl crt own.pem
            server-template web 3 10.0.1.1:443

        ring logs
            server syslog 10.0.0.9:6514 ssl crt own.pem

        peers mesh
            default-server ssl crt peer.pem verify none
            bind :10000 ssl crt peer.pem
            server local
            server remote 10.0.0.7:10000
            peer legacy 10.0.0.8:10000

        log-forward syslog
            bind :6514 ssl crt site.pem
        """)
        let scan = HAProxyConfigReader().read(mainFile: dir.file("haproxy.cfg").path)
        #expect(scan.warnings.isEmpty, "\(scan.warnings)")
        #expect(names(scan.sites) == [
            "client dflt.pem backend app server s1 10.0.0.1:8443",
            "client own.pem backend app server s2 10.0.0.2:8443",
            "client own.pem backend mtls server m1 10.0.0.5:443",
            "server site.pem ",
            "client own.pem listen both server-template web 10.0.1.1:443",
            "client own.pem ring logs server syslog 10.0.0.9:6514",
            "server peer.pem ",
            "client peer.pem peers mesh server remote 10.0.0.7:10000",
            "client peer.pem peers mesh peer legacy 10.0.0.8:10000",
            "server site.pem ",
        ])
        try #require(scan.sites.count == 10)
        let s1 = scan.sites[0]
        #expect(s1.location.line == 8)
        #expect(s1.ports == [8443])
        #expect(s1.addresses == ["10.0.0.1"])
        #expect(s1.keyPath == s1.certPath)
        #expect(scan.sites[6].ports == [10000])
        #expect(scan.sites[9].ports == [6514])
        #expect(scan.sites[9].location.line == 39)
    }

    @Test("A crt naming a multi-certificate bundle loads .rsa/.ecdsa/.dsa with their .key and OCSP .issuer")
    func bundles() throws {
        let dir = try TemporaryDirectory(prefix: "clm-haproxy")
        try FileManager.default.createDirectory(at: dir.file("certs/dir"), withIntermediateDirectories: true)
        for name in ["site.pem.rsa", "site.pem.rsa.ocsp", "site.pem.rsa.issuer", "site.pem.ecdsa", "site.pem.ecdsa.key",
                     "site.pem.ecdsa.sctl", "lonely.pem.dsa", "dir/x.pem.rsa", "dir/x.pem.rsa.ocsp", "dir/x.pem.rsa.issuer",
                     "noext.crt", "noext.key", "noext.issuer", "stored.crt", "stored.key"] {
            try dir.write("certs/\(name)", "")
        }
        try dir.write("list.txt", "site.pem [ocsp-update on] www.example.com\n")
        try dir.write("haproxy.cfg", """
        global
            crt-base certs

        crt-store web
            load crt stored.crt key stored.key alias main

        frontend fe
            bind :443 ssl crt site.pem
            bind :444 ssl crt lonely.pem crt dir
            bind :445 ssl crt-list list.txt
            bind :446 ssl crt missing.pem
            bind :447 ssl crt @web/main
            bind :448 ssl crt ${CERTS}/site.pem
        """)
        let scan = HAProxyConfigReader().read(mainFile: dir.file("haproxy.cfg").path)
        let certs = dir.file("certs").path
        #expect(names(scan.sites) == [
            "server stored.crt crt-store web",
            "server site.pem.rsa ", "ocsp-issuer site.pem.rsa.issuer \(certs)/site.pem.rsa", "server site.pem.ecdsa ",
            "server lonely.pem.dsa ", "server x.pem.rsa ", "ocsp-issuer x.pem.rsa.issuer \(certs)/dir/x.pem.rsa",
            "server site.pem.rsa ", "ocsp-issuer site.pem.rsa.issuer \(certs)/site.pem.rsa", "server site.pem.ecdsa ",
            "server stored.crt ",
        ])
        try #require(scan.sites.count == 11)
        #expect(scan.sites[1].keyPath == "\(certs)/site.pem.rsa")
        #expect(scan.sites[3].keyPath == "\(certs)/site.pem.ecdsa.key")
        #expect(scan.sites[7].names == ["www.example.com"])
        #expect(scan.sites[10].keyPath == "\(certs)/stored.key")
        let file = dir.file("haproxy.cfg").path
        #expect(scan.warnings.map(\.description) == [
            "\(file):11: crt file \(certs)/missing.pem does not exist (nor \(certs)/missing.pem.rsa, .ecdsa or .dsa)",
            "\(file):13: crt ${CERTS}/site.pem uses environment variables, which HAProxy expands from its own environment; not followed",
        ])

        // ssl-load-extra-files without `bundle`, and ssl-load-extra-del-ext.
        try dir.write("haproxy.cfg", """
        global
            crt-base \(certs)
            ssl-load-extra-files key ocsp
            ssl-load-extra-del-ext

        frontend fe
            bind :443 ssl crt site.pem
            bind :444 ssl crt noext.crt
        """)
        let strict = HAProxyConfigReader().read(mainFile: file)
        #expect(names(strict.sites) == ["server noext.crt "])
        #expect(strict.sites.first?.keyPath == "\(certs)/noext.key")
        #expect(strict.warnings.map(\.description) == ["\(file):7: crt file \(certs)/site.pem does not exist"])
    }

    @Test("bind outside frontend, listen, peers and log-forward is still a warning; a crt without ssl is loaded, not served")
    func bindInBackend() throws {
        let dir = try TemporaryDirectory(prefix: "clm-haproxy")
        try dir.write("x.pem", "")
        try dir.write("haproxy.cfg", """
        backend app
            bind :443 ssl crt /x.pem
        frontend plain
            bind :8443 crt x.pem
        """)
        let scan = HAProxyConfigReader().read(mainFile: dir.file("haproxy.cfg").path)
        #expect(scan.sites.map(\.certPath) == [dir.file("x.pem").path])
        #expect(scan.sites.first?.ports == [])
        #expect(scan.warnings.map(\.location.line) == [2, 4])
        #expect(scan.warnings.last?.message.contains("no 'ssl'") == true)
    }
}

@Suite("nginx mail, stream and upstream certificates; nginx lexical rules")
struct NginxContextTests {
    @Test("mail servers inherit the certificate and starttls; ports, protocol and STARTTLS are recorded per listener")
    func mail() throws {
        let dir = try TemporaryDirectory(prefix: "clm-nginx")
        try FileManager.default.createDirectory(at: dir.file("certs"), withIntermediateDirectories: true)
        for name in ["mail.pem", "mail.key", "own.pem", "own.key"] { try dir.write("certs/\(name)", "") }
        try dir.write("nginx.conf", """
        mail {
            ssl_certificate certs/mail.pem;
            ssl_certificate_key certs/mail.key;
            starttls on;
            server { listen 143; protocol imap; server_name imap.example.com; }
            server {
                listen 127.0.0.1:993 ssl;
                listen 127.0.0.1:143;
            }
            server { listen 110; starttls off; }
            server {
                listen 2525;
                protocol smtp;
                starttls only;
                ssl_certificate certs/own.pem;
                ssl_certificate_key certs/own.key;
            }
            server { listen 7777; }
        }
        """)
        let scan = NginxConfigReader().read(mainFile: dir.file("nginx.conf").path)
        let file = dir.file("nginx.conf").path
        #expect(scan.warnings.map(\.description) == [
            "\(file):18: mail listen on port 7777 without 'protocol'; nginx cannot tell imap, pop3 or smtp",
        ])
        #expect(scan.sites.map { $0.listeners.map(\.description) } == [
            ["mail *:143 starttls=imap"],
            ["mail 127.0.0.1:993 tls=imap", "mail 127.0.0.1:143 starttls=imap"],
            ["mail *:2525 starttls=smtp"],
            ["mail *:7777"],
        ])
        try #require(scan.sites.count == 4)
        #expect(scan.sites.map { ($0.certPath as NSString).lastPathComponent } == ["mail.pem", "mail.pem", "own.pem", "mail.pem"])
        #expect(scan.sites[0].names == ["imap.example.com"])
        #expect(scan.sites[0].location.line == 2)
        #expect(scan.sites[1].ports == [993, 143])
        #expect(scan.sites[2].keyPath == dir.file("certs/own.key").path)
        #expect(scan.sites[2].location.line == 15)
    }

    @Test("stream servers with ssl, proxy_ssl_certificate toward https and TLS upstreams, and unused context certificates")
    func streamAndUpstreams() throws {
        let dir = try TemporaryDirectory(prefix: "clm-nginx")
        try FileManager.default.createDirectory(at: dir.file("certs"), withIntermediateDirectories: true)
        for name in ["tcp.pem", "tcp.key", "client.pem", "client.key", "up.pem", "up.key", "grpc.pem", "grpc.key", "web.pem", "web.key"] {
            try dir.write("certs/\(name)", "")
        }
        try dir.write("nginx.conf", """
        stream {
            ssl_certificate certs/tcp.pem;
            ssl_certificate_key certs/tcp.key;
            server { listen 5000 ssl; proxy_pass 10.0.0.1:5000; }
            server {
                listen 5001;
                proxy_pass 10.0.0.2:5001;
                proxy_ssl on;
                proxy_ssl_certificate certs/up.pem;
                proxy_ssl_certificate_key certs/up.key;
            }
        }
        http {
            proxy_ssl_certificate certs/client.pem;
            proxy_ssl_certificate_key certs/client.key;
            server {
                listen 80;
                location / { proxy_pass https://backend; }
                location /plain { proxy_pass http://backend; }
                location /grpc {
                    grpc_pass grpcs://10.0.0.3:50051;
                    grpc_ssl_certificate certs/grpc.pem;
                    grpc_ssl_certificate_key certs/grpc.key;
                }
            }
        }
        """)
        let scan = NginxConfigReader().read(mainFile: dir.file("nginx.conf").path)
        #expect(scan.warnings.isEmpty, "\(scan.warnings)")
        let rows = scan.sites.map { "\($0.role.rawValue) \(($0.certPath as NSString).lastPathComponent) \($0.location.line) \($0.roleDetail ?? $0.listeners.map(\.description).joined(separator: ","))" }
        #expect(rows == [
            "server tcp.pem 2 stream *:5000",
            "client up.pem 9 proxy_pass 10.0.0.2:5001",
            "client client.pem 14 proxy_pass https://backend",
            "client grpc.pem 22 grpc_pass grpcs://10.0.0.3:50051",
        ])
        try #require(scan.sites.count == 4)
        #expect(scan.sites[1].keyPath == dir.file("certs/up.key").path)

        // An http-level certificate nginx loads though no server listens with TLS.
        try dir.write("nginx.conf", """
        http {
            ssl_certificate certs/web.pem;
            ssl_certificate_key certs/web.key;
            server { listen 80; }
        }
        """)
        let unused = NginxConfigReader().read(mainFile: dir.file("nginx.conf").path)
        #expect(unused.sites.map(\.location.line) == [2])
        #expect(unused.sites.first?.ports == [])

        // mail and stream load a certificate only where a listener uses TLS.
        try dir.write("nginx.conf", """
        mail {
            ssl_certificate certs/web.pem;
            ssl_certificate_key certs/web.key;
            server { listen 25; protocol smtp; }
        }
        stream {
            ssl_certificate certs/tcp.pem;
            ssl_certificate_key certs/tcp.key;
            server { listen 5000; proxy_pass 10.0.0.1:5000; }
        }
        """)
        let plain = NginxConfigReader().read(mainFile: dir.file("nginx.conf").path)
        #expect(plain.sites.isEmpty)
        #expect(plain.warnings.isEmpty, "\(plain.warnings)")
    }

    @Test("${var} inside values and *_by_lua_block bodies read as nginx reads them: no false syntax alarms")
    func lexicalRules() throws {
        let dir = try TemporaryDirectory(prefix: "clm-nginx")
        try dir.touch("site.pem", "site.key")
        try dir.write("nginx.conf", """
        http {
            init_by_lua_block {
                local t = { "}", '{', [[ } ]], [==[ { ]==] }  -- a } in a comment
                --[[ long comment with { ]]
            }
            server {
                listen 443 ssl;
                server_name lua.example;
                location / {
                    try_files /abc/${uri} /abc/${uri}.html =404;
                    try_files /cache/$host${request_uri}index.html @nocache;
                    set_by_lua_block $res { return "}" }
                    "content_by_lua_block" { ngx.say("{") }
                }
                ssl_certificate site.pem;
                ssl_certificate_key site.key;
            }
        }
        """)
        let scan = NginxConfigReader().read(mainFile: dir.file("nginx.conf").path)
        #expect(scan.warnings.isEmpty, "\(scan.warnings)")
        #expect(scan.sites.count == 1)
        #expect(scan.sites.first?.location.line == 15)
        #expect(scan.sites.first?.names == ["lua.example"])

        try dir.write("nginx.conf", """
        http {
            content_by_lua_block {
                ngx.say("never closed")
        """)
        let unclosed = NginxConfigReader().read(mainFile: dir.file("nginx.conf").path)
        #expect(unclosed.warnings.contains { $0.location.line == 2 && $0.message.contains("Lua block") }, "\(unclosed.warnings)")
    }
}
