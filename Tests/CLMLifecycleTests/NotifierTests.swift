import CLMDeploy
import CLMLifecycle
import CLMInventory
import CLMTestSupport
import Foundation
import Testing

@Suite(.timeLimit(.minutes(2)))
struct NotifierTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// A local HTTP listener that appends every POST body to a file.
    static func startWebhookListener(in temp: TemporaryDirectory) throws -> (RunningProcess, URL) {
        let received = temp.url.appendingPathComponent("webhook.jsonl")
        let script = temp.url.appendingPathComponent("webhook.py")
        try Data("""
            import http.server, sys
            out = sys.argv[1]
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers["Content-Length"]))
                    with open(out, "ab") as f: f.write(body + b"\\n")
                    self.send_response(204); self.end_headers()
                def log_message(self, *args): pass
            server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
            print("PORT", server.server_address[1], flush=True)
            server.serve_forever()
            """.utf8).write(to: script)
        let server = try RunningProcess.start("python3", aptPackage: "python3", arguments: [script.path, received.path]) { line in
            line.hasPrefix("PORT ") ? UInt16(line.dropFirst(5).trimmingCharacters(in: .whitespaces)) : nil
        }
        return (server, received)
    }

    @Test func aFailureIsAnnouncedOnceAndARecoveryOnce() {
        let failing = [Notifier.Result(name: "www", failed: true, message: "CA said no")]
        let first = Notifier.events(for: failing, previous: [:], now: t0, host: "h")
        #expect(first.map(\.event) == [.failure])
        let state = ["www": NotificationState(subject: "www", failing: true, since: 1, message: "CA said no")]
        #expect(Notifier.events(for: failing, previous: state, now: t0, host: "h").isEmpty)
        let recovered = Notifier.events(for: [Notifier.Result(name: "www", failed: false, message: nil)], previous: state, now: t0, host: "h")
        #expect(recovered.map(\.event) == [.recovery])
        #expect(Notifier.events(for: [Notifier.Result(name: "www", failed: false, message: nil)], previous: [:], now: t0, host: "h").isEmpty)
    }

    @Test func notifyIsParsedAndValidated() throws {
        let config = try ConfigLoader().load(yaml: """
            notify:
              webhook: https://hooks.example.test/clm
              command: [/usr/local/bin/page-oncall, --team, tls]
              timeout: 20s
            certificates: []
            """, file: "clm.yaml")
        #expect(config.notify?.webhook == "https://hooks.example.test/clm")
        #expect(config.notify?.command == ["/usr/local/bin/page-oncall", "--team", "tls"])
        #expect(config.notify?.timeoutSeconds == 20)
        #expect(throws: ConfigError.self) { try ConfigLoader().load(yaml: "notify: {}\ncertificates: []\n", file: "clm.yaml") }
        #expect(throws: ConfigError.self) { try ConfigLoader().load(yaml: "notify: {webhok: https://x}\ncertificates: []\n", file: "clm.yaml") }
    }

    /// A real HTTP listener and a real command receive each announcement exactly once.
    @Test func webhookAndCommandReceiveFailureThenRecovery() async throws {
        let temp = try TemporaryDirectory(prefix: "clm-notify")
        let (server, received) = try Self.startWebhookListener(in: temp)
        defer { server.stop() }
        let commandLog = temp.url.appendingPathComponent("command.log")
        let hook = temp.url.appendingPathComponent("notify.sh")
        try Data("#!/bin/sh\necho \"$CLM_NOTIFY_EVENT $CLM_CERT_NAME $1\" >> \"\(commandLog.path)\"\n".utf8).write(to: hook)
        chmod(hook.path, 0o755)
        let inventory = InventoryConnection(path: temp.url.appendingPathComponent("inventory.sqlite").path)
        let notifier = Notifier(settings: NotifySettings(webhook: "http://127.0.0.1:\(server.port)/hook", command: [hook.path, "$(id)"], timeoutSeconds: 10))

        let failed = [Notifier.Result(name: "www", failed: true, message: "validation failed")]
        #expect(await notifier.process(failed, inventory: inventory, now: t0).count == 1)
        #expect(await notifier.process(failed, inventory: inventory, now: t0.addingTimeInterval(3600)).isEmpty)   // not on every run
        let ok = [Notifier.Result(name: "www", failed: false, message: nil)]
        let recovery = await notifier.process(ok, inventory: inventory, now: t0.addingTimeInterval(7200))
        #expect(recovery.map { $0.event } == [Notifier.Event.Kind.recovery])
        #expect(await notifier.process(ok, inventory: inventory, now: t0.addingTimeInterval(9000)).isEmpty)

        let posts = try String(contentsOf: received, encoding: .utf8).split(separator: "\n")
        #expect(posts.count == 2)
        let first = try #require(try JSONSerialization.jsonObject(with: Data(posts[0].utf8)) as? [String: Any])
        #expect(first["event"] as? String == "failure")
        #expect(first["certificate"] as? String == "www")
        #expect(first["message"] as? String == "validation failed")
        // argv is passed as is: "$(id)" reaches the hook literally, no shell ran it.
        #expect(try String(contentsOf: commandLog, encoding: .utf8) == "failure www $(id)\nrecovery www $(id)\n")
    }

    @Test func anUnreachableWebhookIsRetriedOnTheNextRun() async throws {
        let temp = try TemporaryDirectory(prefix: "clm-notify")
        let inventory = InventoryConnection(path: temp.url.appendingPathComponent("inventory.sqlite").path)
        let notifier = Notifier(settings: NotifySettings(webhook: "http://127.0.0.1:\(try closedLocalPort())/hook", timeoutSeconds: 5))
        let failed = [Notifier.Result(name: "www", failed: true, message: "x")]
        #expect(await notifier.process(failed, inventory: inventory, now: t0).isEmpty)
        let state = try await inventory.run { try $0.deploys.notificationStates() }["www"]
        #expect(state?.failing == false)                       // not announced yet, so the next run tries again
        #expect(state?.pendingChannels == ["webhook"])
    }

    /// The webhook took the failure but the command did not: next run tells only the command.
    @Test func aPartlyDeliveredAnnouncementIsCompletedWithoutDuplicates() async throws {
        let temp = try TemporaryDirectory(prefix: "clm-notify")
        let (server, received) = try Self.startWebhookListener(in: temp)
        defer { server.stop() }
        let flag = temp.url.appendingPathComponent("command-works")
        let log = temp.url.appendingPathComponent("command.log")
        let hook = temp.url.appendingPathComponent("notify.sh")
        try Data("#!/bin/sh\n[ -e \"\(flag.path)\" ] || exit 1\necho \"$CLM_NOTIFY_EVENT\" >> \"\(log.path)\"\n".utf8).write(to: hook)
        chmod(hook.path, 0o755)
        let inventory = InventoryConnection(path: temp.url.appendingPathComponent("inventory.sqlite").path)
        let notifier = Notifier(settings: NotifySettings(webhook: "http://127.0.0.1:\(server.port)/secret-token", command: [hook.path], timeoutSeconds: 10))
        let failed = [Notifier.Result(name: "www", failed: true, message: "x")]
        #expect(await notifier.process(failed, inventory: inventory, now: t0).isEmpty)   // command failed
        try Data().write(to: flag)
        #expect(await notifier.process(failed, inventory: inventory, now: t0.addingTimeInterval(60)).count == 1)
        #expect(await notifier.process(failed, inventory: inventory, now: t0.addingTimeInterval(120)).isEmpty)
        #expect(try String(contentsOf: received, encoding: .utf8).split(separator: "\n").count == 1)
        #expect(try String(contentsOf: log, encoding: .utf8) == "failure\n")
    }

    @Test func webhookURLsAreRedactedInLogs() {
        #expect(Notifier.redacted("https://hooks.slack.example/services/T000/B000/XXXX") == "https://hooks.slack.example/…")
        #expect(Notifier.redacted("http://127.0.0.1:8080/x?token=1") == "http://127.0.0.1:8080/…")
    }
}
