import Foundation

/// Where output goes, and whether it may be decorated.
enum Terminal {
    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    static var standardErrorIsTTY: Bool { isatty(STDERR_FILENO) == 1 }
    static var standardOutputIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Colours only on a TTY, and never when NO_COLOR is set (no-color.org).
    static var useColor: Bool {
        standardOutputIsTTY && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
    }
}

/// ANSI colours, applied only when `enabled`.
struct Palette {
    let enabled: Bool
    func red(_ text: String) -> String { wrap(text, "31") }
    func yellow(_ text: String) -> String { wrap(text, "33") }
    func green(_ text: String) -> String { wrap(text, "32") }
    func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    private func wrap(_ text: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
}

/// A throttled one-line progress display on stderr (TTY only).
///
/// `@unchecked Sendable`: it is handed to the one thread doing the work and
/// read again only after that thread has finished.
final class ProgressLine: @unchecked Sendable {
    private let enabled: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled && Terminal.standardErrorIsTTY }

    func update(_ text: @autoclosure () -> String) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.2 else { return }
        lastDraw = now
        drawn = true
        Terminal.standardError("\r\u{1B}[K" + text())
    }

    var elapsed: TimeInterval { Date().timeIntervalSince(started) }

    func clear() {
        guard enabled, drawn else { return }
        Terminal.standardError("\r\u{1B}[K")
    }
}
