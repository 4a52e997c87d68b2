import CLMCore
import Foundation
import Synchronization
import Testing

@Suite struct LogTests {
    final class Lines: Sendable {
        let storage = Mutex<[String]>([])
        func append(_ line: String) { storage.withLock { $0.append(line) } }
        var all: [String] { storage.withLock { $0 } }
    }

    @Test func jsonLinesCarryLevelMessageAndFields() throws {
        let lines = Lines()
        let log = Log(format: .json, minimum: .info, sink: { lines.append($0) })
        log.debug("hidden")
        log.warning("hook timed out", ["hook": "/etc/clm/hooks/nginx", "seconds": "30"])
        #expect(lines.all.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines.all[0].utf8)) as? [String: String])
        #expect(object["level"] == "warning")
        #expect(object["msg"] == "hook timed out")
        #expect(object["hook"] == "/etc/clm/hooks/nginx")
        #expect(object["time"] != nil)
    }

    @Test func textLinesAreReadable() {
        let lines = Lines()
        let log = Log(format: .text, minimum: .debug, sink: { lines.append($0) })
        log.info("deployed", ["name": "www", "path": "/etc/nginx/tls/www dir"])
        #expect(lines.all == ["clm: deployed name=www path=\"/etc/nginx/tls/www dir\"\n"])
    }
}
