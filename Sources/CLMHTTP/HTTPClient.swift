internal import Foundation
internal import CCurl
internal import CShims
internal import CLMCore

/// An HTTP client over libcurl's easy interface.
///
/// ### Threads
/// `curl_easy_perform` blocks, so it never runs on Swift's cooperative pool:
/// the client owns `connections` dedicated worker threads, each with its own
/// `CURL*` easy handle that lives and dies on that thread. Requests wait in
/// one queue; the caller's task is suspended on a continuation meanwhile.
/// Reusing each easy handle keeps its connection cache, so consecutive
/// requests to the same server reuse the TLS connection.
///
/// ### TLS
/// Peer and host verification are always on. Without ``Configuration/caFile``
/// curl uses the system CA store; with it, only that file is trusted (the
/// right thing for a private ACME CA such as pebble's).
public final class HTTPClient: Sendable {
    public struct Configuration: Sendable {
        /// PEM bundle to trust instead of the system store.
        public var caFile: String?
        public var connectTimeout: Duration
        /// Limit for the whole transfer.
        public var totalTimeout: Duration
        public var userAgent: String
        /// Worker threads = easy handles = parallel connections.
        public var connections: Int
        public var maxBodyBytes: Int

        public init(caFile: String? = nil, connectTimeout: Duration = .seconds(10), totalTimeout: Duration = .seconds(60),
                    userAgent: String = HTTPClient.defaultUserAgent, connections: Int = 1, maxBodyBytes: Int = 16 << 20) {
            self.caFile = caFile
            self.connectTimeout = connectTimeout
            self.totalTimeout = totalTimeout
            self.userAgent = userAgent
            self.connections = max(1, connections)
            self.maxBodyBytes = maxBodyBytes
        }
    }

    /// The version reported in User-Agent.
    public static let clmVersion = "0.1.0"
    public static let defaultUserAgent = "clm/\(clmVersion) (+libcurl)"

    public let configuration: Configuration
    private let queue: BlockingQueue<Job>

    public init(_ configuration: Configuration = Configuration()) throws(HTTPError) {
        guard CurlGlobal.initialized else { throw .setup(what: "curl_global_init", code: 2) }
        self.configuration = configuration
        self.queue = BlockingQueue<Job>()
        for index in 0..<configuration.connections {
            let queue = self.queue
            let configuration = configuration
            Blocking.startThread("clm-http-\(index)") { CurlWorker(configuration: configuration).run(queue) }
        }
    }

    deinit { queue.close() }

    /// Sends one request and returns the complete response (any status).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
            if !queue.add(Job(request: request, continuation: continuation)) {
                continuation.resume(throwing: HTTPError.clientClosed(url: request.url))
            }
        }
    }

    /// GET convenience.
    public func get(_ url: String, headers: [(name: String, value: String)] = []) async throws -> HTTPResponse {
        try await send(HTTPRequest(.get, url, headers: headers))
    }
}

/// curl_global_init must run once before any other curl call and is not
/// thread-safe against other curl calls in older libcurl. A Swift `static
/// let` initialiser runs exactly once, under swift_once, and every client
/// reads it before creating a handle, so no handle exists before it finished.
/// clm does not call curl_global_cleanup (the process ends instead).
enum CurlGlobal {
    static let initialized: Bool = curl_global_init(3 /* CURL_GLOBAL_ALL */) == CURLE_OK
}

struct Job: Sendable {
    let request: HTTPRequest
    let continuation: CheckedContinuation<HTTPResponse, any Error>
}

/// Collects a response while curl writes it (accessed only from the worker thread).
final class ResponseSink {
    var body: [UInt8] = []
    var headerLines: [String] = []
    let limit: Int
    var overflowed = false
    init(limit: Int) { self.limit = limit }
}

let clmCurlBodyCallback: clm_curl_write_fn = { data, size, count, context in
    guard let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard let data, length > 0 else { return length }
    if sink.body.count + length > sink.limit {
        sink.overflowed = true
        return 0 // aborts the transfer with CURLE_WRITE_ERROR
    }
    data.withMemoryRebound(to: UInt8.self, capacity: length) { sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
    return length
}

let clmCurlHeaderCallback: clm_curl_write_fn = { data, size, count, context in
    guard let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard let data, length > 0 else { return length }
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
    // A new status line (after 100-continue or a proxy CONNECT) starts a new header block.
    if line.hasPrefix("HTTP/") { sink.headerLines.removeAll() }
    sink.headerLines.append(line)
    return length
}

/// One easy handle, used only on the thread that created it.
final class CurlWorker {
    let configuration: HTTPClient.Configuration
    let handle: UnsafeMutableRawPointer?
    var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

    init(configuration: HTTPClient.Configuration) {
        self.configuration = configuration
        self.handle = curl_easy_init()
    }

    deinit { if let handle { curl_easy_cleanup(handle) } }

    func run(_ queue: BlockingQueue<Job>) {
        while let job = queue.next() {
            do {
                job.continuation.resume(returning: try perform(job.request))
            } catch {
                job.continuation.resume(throwing: error)
            }
        }
    }

    private func check(_ code: CURLcode, _ what: String) throws {
        guard code == CURLE_OK else { throw HTTPError.setup(what: what, code: Int(code.rawValue)) }
    }

    func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        guard let curl = handle else { throw HTTPError.setup(what: "curl_easy_init", code: 2) }
        // Reset options but keep the connection cache, DNS cache and TLS sessions.
        curl_easy_reset(curl)
        let sink = ResponseSink(limit: configuration.maxBodyBytes)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        errorBuffer.withUnsafeMutableBufferPointer { $0.initialize(repeating: 0) }
        let result: CURLcode = try errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            try check(clm_curl_setopt_string(curl, CURLOPT_URL, request.url), "URL \(request.url)")
            try check(clm_curl_setopt_pointer(curl, CURLOPT_ERRORBUFFER, errorPointer.baseAddress), "error buffer")
            try check(clm_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
            try check(clm_curl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, 1), "SSL_VERIFYPEER")
            try check(clm_curl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, 2), "SSL_VERIFYHOST")
            if let caFile = configuration.caFile {
                try check(clm_curl_setopt_string(curl, CURLOPT_CAINFO, caFile), "CA file \(caFile)")
                // Debian's libcurl also has a built-in CA path; the CA file alone must decide trust.
                try check(clm_curl_setopt_pointer(curl, CURLOPT_CAPATH, nil), "no CA path")
            }
            try check(clm_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(configuration.connectTimeout)), "connect timeout")
            try check(clm_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, Self.milliseconds(configuration.totalTimeout)), "timeout")
            try check(clm_curl_setopt_string(curl, CURLOPT_USERAGENT, configuration.userAgent), "User-Agent")
            try check(clm_curl_setopt_long(curl, CURLOPT_FOLLOWLOCATION, 0), "no redirects")
            try check(clm_curl_setopt_string(curl, CURLOPT_PROTOCOLS_STR, "http,https"), "protocols")
            try check(clm_curl_setopt_write_function(curl, CURLOPT_WRITEFUNCTION, clmCurlBodyCallback), "write function")
            try check(clm_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, context), "write data")
            try check(clm_curl_setopt_write_function(curl, CURLOPT_HEADERFUNCTION, clmCurlHeaderCallback), "header function")
            try check(clm_curl_setopt_pointer(curl, CURLOPT_HEADERDATA, context), "header data")
            switch request.method {
            case .get:
                try check(clm_curl_setopt_long(curl, CURLOPT_HTTPGET, 1), "GET")
            case .head:
                try check(clm_curl_setopt_long(curl, CURLOPT_NOBODY, 1), "HEAD")
            case .post:
                let body = request.body ?? []
                try check(clm_curl_setopt_long(curl, CURLOPT_POST, 1), "POST")
                try check(clm_curl_setopt_long(curl, CURLOPT_POSTFIELDSIZE, body.count), "POST size")
                // COPYPOSTFIELDS copies the bytes, so the buffer need not outlive this scope.
                // An empty body still needs a valid pointer; size 0 means nothing is sent.
                let bytes = body.isEmpty ? [0] : body
                try bytes.withUnsafeBytes { raw in
                    try check(clm_curl_setopt_pointer(curl, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress)), "POST body")
                }
            }
            // Suppress curl's automatic "Expect: 100-continue" on POST.
            headerList = curl_slist_append(headerList, "Expect:")
            for header in request.headers {
                headerList = curl_slist_append(headerList, "\(header.name): \(header.value)")
            }
            try check(clm_curl_setopt_pointer(curl, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList)), "headers")
            return curl_easy_perform(curl)
        }
        if sink.overflowed { throw HTTPError.bodyTooLarge(url: request.url, limit: configuration.maxBodyBytes) }
        guard result == CURLE_OK else {
            let text = String(cString: curl_easy_strerror(result))
            let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw HTTPError.transfer(url: request.url, code: Int(result.rawValue), curlText: text, detail: detail)
        }
        var status = 0
        _ = clm_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(url: request.url, status: status, headers: Self.parseHeaders(sink.headerLines), body: sink.body)
    }

    static func parseHeaders(_ lines: [String]) -> [(name: String, value: String)] {
        lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("HTTP/") else { return nil }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            return (name, value)
        }
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        // curl takes a long; a year is longer than any request should wait.
        return Int(min(max(seconds, 0), 31_536_000)) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
