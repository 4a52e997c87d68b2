import ArgumentParser
import CLMCore
import CLMInventory
import CLMReport
import Foundation

/// `clm metrics [--textfile PATH]`
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print Prometheus metrics (x509-certificate-exporter names) or write a node_exporter textfile.",
        discussion: "Metric names, labels and their meaning (a drop-in for x509-certificate-exporter's dashboards and alert rules) are described in docs/metrics.md."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hosts: HostScopeOptions

    @Option(name: .long, help: ArgumentHelp("Write atomically to this file (node_exporter textfile collector) instead of stdout.", valueName: "path"),
            completion: .file(extensions: ["prom"]))
    var textfile: String?

    func run() throws {
        let inventory = try hosts.open(global, default: .thisHost)
        let text: String
        do { text = try MetricsExporter(inventory: inventory, version: CLMVersion.current).render(now: Date()) } catch {
            throw CommandFailure.failed(error.description)
        }
        guard let textfile else {
            print(text, terminator: "")
            return
        }
        do { try AtomicFile.write(Array(text.utf8), to: textfile, mode: 0o644) } catch {
            throw CommandFailure.failed("cannot write \(textfile): \(error)")
        }
    }
}

/// `clm serve --metrics HOST:PORT`
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve /metrics over HTTP (read-only, from the inventory).",
        discussion: "Connections are served concurrently, each with a 5 s deadline to send its request; beyond 256 open connections the oldest unfinished one is dropped. See docs/metrics.md."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var hosts: HostScopeOptions

    @Option(name: .long, help: ArgumentHelp("Listen address.", valueName: "host:port"))
    var metrics = "127.0.0.1:9793"

    func run() throws {
        let inventory = try hosts.open(global, default: .thisHost)
        let server: MetricsServer
        do { server = try MetricsServer(address: metrics, inventory: inventory, version: CLMVersion.current) } catch {
            throw CommandFailure.usage(error.description)
        }
        global.log.info("serving http://\(metrics.split(separator: ":").dropLast().joined(separator: ":")):\(server.port)/metrics")
        server.serveForever()
    }
}
