/// One HTTP request: method, absolute URL, headers and an optional body.
public struct HTTPRequest: Sendable, Hashable {
    public enum Method: String, Sendable, Hashable { case get = "GET", head = "HEAD", post = "POST" }

    public var method: Method
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?

    public init(_ method: Method, _ url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public static func == (a: HTTPRequest, b: HTTPRequest) -> Bool {
        a.method == b.method && a.url == b.url && a.body == b.body
            && a.headers.map { "\($0.name):\($0.value)" } == b.headers.map { "\($0.name):\($0.value)" }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(method)
        hasher.combine(url)
        hasher.combine(body)
    }
}

/// A complete HTTP response. Header names keep the server's spelling;
/// look-ups ignore case.
public struct HTTPResponse: Sendable {
    public let url: String
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public init(url: String, status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of a header, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every value of a header (e.g. several `Link` lines), case-insensitively.
    public func headers(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}

/// HTTP failures below the application protocol: what curl reported, for which URL.
public enum HTTPError: Error, Sendable, CustomStringConvertible {
    /// curl_easy_perform failed: the CURLcode, curl's own text and its error buffer.
    case transfer(url: String, code: Int, curlText: String, detail: String)
    /// The client could not be set up (curl_easy_init, setopt).
    case setup(what: String, code: Int)
    /// The response body went over the limit.
    case bodyTooLarge(url: String, limit: Int)
    /// The client was shut down while the request waited.
    case clientClosed(url: String)

    public var description: String {
        switch self {
        case .transfer(let url, let code, let text, let detail):
            let hint: String
            switch code {
            case 60, 77: hint = " (the server's certificate is not trusted: pass --ca-file with its CA)"
            case 7: hint = " (nothing listening there? check host and port)"
            case 28: hint = " (timed out)"
            case 6: hint = " (host name does not resolve)"
            default: hint = ""
            }
            let extra = detail.isEmpty || detail == text ? "" : ": \(detail)"
            return "HTTP request to \(url) failed: \(text) (curl error \(code))\(extra)\(hint)"
        case .setup(let what, let code):
            return "cannot set up the HTTP client: \(what) (curl error \(code))"
        case .bodyTooLarge(let url, let limit):
            return "response from \(url) is larger than \(limit) bytes; refusing it"
        case .clientClosed(let url):
            return "HTTP client was closed before the request to \(url) ran"
        }
    }

    /// The CURLcode, when curl reported one.
    public var curlCode: Int? {
        switch self {
        case .transfer(_, let code, _, _), .setup(_, let code): return code
        case .bodyTooLarge, .clientClosed: return nil
        }
    }
}
