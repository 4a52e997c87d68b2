import ArgumentParser
import CLMInventory
import CLMReport
import Foundation

/// `clm metrics [--textfile PATH]`
struct MetricsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Print Prometheus metrics (x509-certificate-exporter names) or write a node_exporter textfile.",
        discussion: "Metric names and labels are described in docs/metrics.md."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Write atomically to this file (node_exporter textfile collector) instead of stdout.", valueName: "path"),
            completion: .file(extensions: ["prom"]))
    var textfile: String?

    func run() throws {
        let inventory = try global.openInventory()
        let text: String
        do { text = try MetricsExporter(inventory: inventory).render(now: Date()) } catch {
            throw CommandFailure.failed(error.description)
        }
        guard let textfile else {
            print(text, terminator: "")
            return
        }
        do { try AtomicTextFile.write(text, to: textfile, mode: 0o644) } catch {
            throw CommandFailure.failed("cannot write \(textfile): \(error)")
        }
    }
}

/// `clm serve --metrics HOST:PORT`
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve /metrics over HTTP (read-only, from the inventory)."
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Listen address.", valueName: "host:port"))
    var metrics = "127.0.0.1:9793"

    func run() throws {
        let inventory = try global.openInventory()
        let server: MetricsServer
        do { server = try MetricsServer(address: metrics, inventory: inventory) } catch {
            throw CommandFailure.usage(error.description)
        }
        if !global.quiet { Terminal.standardError("clm: serving http://\(metrics.split(separator: ":").dropLast().joined(separator: ":")):\(server.port)/metrics\n") }
        server.serveForever()
    }
}

/// Write-to-temp, fsync, rename: readers never see half a file.
enum AtomicTextFile {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func write(_ text: String, to path: String, mode: mode_t) throws {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let temporary = directory + "/." + (path as NSString).lastPathComponent + ".clm-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(description: String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw Failure(description: reason)
            }
            offset += written
        }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            throw Failure(description: reason)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: reason)
        }
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }
}
