import Foundation
import Testing
import CLMDiscover
import CLMTestSupport

@Suite("nginx configuration reader")
struct NginxConfigReaderTests {
    @Test("Server blocks, includes with globs and http-level certificate inheritance are read")
    func sitesAndIncludes() throws {
        let dir = try TemporaryDirectory(prefix: "clm-nginx")
        try FileManager.default.createDirectory(at: dir.file("sites-enabled"), withIntermediateDirectories: true)
        try dir.touch("tls/default.pem", "tls/default.key", "tls/api.pem", "tls/api.key", "tls/api-ec.pem", "tls/api-ec.key")
        try dir.write("nginx.conf", """
        # main file
        events { worker_connections 64; }
        http {
            ssl_certificate tls/default.pem;   # inherited
            ssl_certificate_key "tls/default.key";
            include sites-enabled/*.conf;
            server {
                listen 80;
                server_name plain.example;
            }
        }
        """)
        try dir.write("sites-enabled/a-api.conf", """
        server {
            listen 443 ssl http2;
            listen [::]:8443 ssl;
            server_name api.example.com 'www.api.example.com';
            ssl_certificate     /\(dir.path)/tls/api.pem;
            ssl_certificate_key \(dir.path)/tls/api.key;
            ssl_certificate     tls/api-ec.pem;
            ssl_certificate_key tls/api-ec.key;
        }
        """)
        try dir.write("sites-enabled/b-default.conf", """
        server {
            listen 127.0.0.1:443 ssl default_server;
            server_name _;
        }
        """)
        let scan = NginxConfigReader().read(mainFile: dir.file("nginx.conf").path)
        #expect(scan.warnings.isEmpty, "\(scan.warnings)")
        #expect(scan.files.count == 3)
        #expect(scan.sites.count == 3)
        let api = try #require(scan.sites.first)
        #expect(api.names == ["api.example.com", "www.api.example.com"])
        #expect(api.ports == [443, 8443])
        #expect(api.addresses == ["*", "[::]"])
        #expect(api.certPath == dir.file("tls/api.pem").path)
        #expect(api.keyPath == dir.file("tls/api.key").path)
        #expect(api.location.file.hasSuffix("sites-enabled/a-api.conf"))
        #expect(api.location.line == 5)
        #expect(scan.sites[1].certPath == dir.file("tls/api-ec.pem").path)
        let fallback = scan.sites[2]
        #expect(fallback.certPath == dir.file("tls/default.pem").path)
        #expect(fallback.names.isEmpty)
        #expect(fallback.addresses == ["127.0.0.1"])
    }

    @Test("Broken configs give warnings with file and line")
    func brokenConfig() throws {
        let dir = try TemporaryDirectory(prefix: "clm-nginx")
        try dir.write("nginx.conf", """
        http {
            include missing.conf;
            server {
                listen 443 ssl;
                server_name a.example;
                ssl_certificate /nonexistent/a.pem;
                ssl_certificate_key /nonexistent/a.key;
            }
            server {
                listen 443 ssl;
                server_name b.example
            }
        }
        }
        server {
        """)
        let scan = NginxConfigReader().read(mainFile: dir.file("nginx.conf").path)
        let text = scan.warnings.map(\.description)
        let file = dir.file("nginx.conf").path
        #expect(text.contains { $0.hasPrefix("\(file):2:") && $0.contains("missing.conf") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("\(file):6:") && $0.contains("does not exist") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("\(file):11:") && $0.contains("missing its ';'") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("\(file):14:") && $0.contains("unbalanced") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("\(file):15:") && $0.contains("never closed") }, "\(text)")
        #expect(scan.sites.count == 1)
    }

    @Test("An include loop and an over-deep include chain are stopped with a warning")
    func includeLoop() throws {
        let dir = try TemporaryDirectory(prefix: "clm-nginx")
        try dir.write("nginx.conf", "include a.conf;\n")
        try dir.write("a.conf", "include nginx.conf;\n")
        let scan = NginxConfigReader().read(mainFile: dir.file("nginx.conf").path)
        #expect(scan.warnings.contains { $0.message.contains("include loop") }, "\(scan.warnings)")
        let deep = NginxConfigReader(maxIncludeDepth: 1)
        try dir.write("b.conf", "include c.conf;\n")
        try dir.write("c.conf", "include d.conf;\n")
        try dir.write("d.conf", "events {}\n")
        #expect(deep.read(mainFile: dir.file("b.conf").path).warnings.contains { $0.message.contains("deeper") })
    }
}

@Suite("HAProxy configuration reader")
struct HAProxyConfigReaderTests {
    @Test("bind lines with crt files, crt directories and crt-lists are read")
    func binds() throws {
        let dir = try TemporaryDirectory(prefix: "clm-haproxy")
        try dir.touch("certs/site.pem", "certs/dir/a.pem", "certs/dir/b.pem", "certs/dir/b.pem.key", "certs/dir/b.pem.ocsp", "certs/list-1.pem")
        try dir.write("crt-list.txt", """
        # cert [options] [filters]
        list-1.pem [alpn h2,http/1.1 ssl-min-ver TLSv1.2] www.example.com *.example.com !old.example.com

        dir/a.pem
        """)
        try dir.write("haproxy.cfg", """
        global
            crt-base \(dir.path)/certs
            log stdout format raw local0

        defaults
            mode http

        frontend web
            bind :80
            bind :443,:::8443 ssl crt site.pem crt dir alpn h2
            bind 127.0.0.1:9443 ssl crt-list \(dir.path)/crt-list.txt
            default_backend app

        backend app
            server s1 127.0.0.1:8080
        """)
        let scan = HAProxyConfigReader().read(mainFile: dir.file("haproxy.cfg").path)
        #expect(scan.warnings.isEmpty, "\(scan.warnings)")
        let certs = scan.sites.map { ($0.certPath as NSString).lastPathComponent }
        #expect(certs == ["site.pem", "a.pem", "b.pem", "list-1.pem", "a.pem"])
        #expect(scan.sites[0].ports == [443, 8443])
        #expect(scan.sites[0].location.line == 10)
        #expect(scan.sites[0].keyPath == scan.sites[0].certPath)
        #expect(scan.sites[2].keyPath == dir.file("certs/dir/b.pem.key").path)
        #expect(scan.sites[3].names == ["www.example.com", "*.example.com"])
        #expect(scan.sites[3].ports == [9443])
        #expect(scan.sites[3].location.file.hasSuffix("crt-list.txt"))
        #expect(scan.sites[3].location.line == 2)
    }

    @Test("Missing certificate files and bad binds give warnings with file and line")
    func warnings() throws {
        let dir = try TemporaryDirectory(prefix: "clm-haproxy")
        try dir.write("haproxy.cfg", """
        frontend web
            bind :443 ssl crt /nonexistent/site.pem
            bind :8443 ssl
            bind :9443 ssl crt-list /nonexistent/list.txt
            bind "unterminated
        """)
        let scan = HAProxyConfigReader().read(mainFile: dir.file("haproxy.cfg").path)
        let text = scan.warnings.map(\.description)
        let file = dir.file("haproxy.cfg").path
        #expect(text.contains { $0.hasPrefix("\(file):2:") && $0.contains("does not exist") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("\(file):3:") && $0.contains("no crt") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("\(file):4:") && $0.contains("crt-list") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("\(file):5:") && $0.contains("quote") }, "\(text)")
    }
}
