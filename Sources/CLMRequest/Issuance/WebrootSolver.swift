internal import Foundation

/// http-01 by writing `<webroot>/.well-known/acme-challenge/<token>` for a
/// web server that already serves the webroot; removed again in clean-up,
/// together with the two directories if this solver created them.
public struct WebrootSolver: ChallengeSolver {
    public let webroot: String
    public var challengeType: String { "http-01" }

    public init(webroot: String) { self.webroot = webroot }

    var challengeDirectory: String { webroot + "/.well-known/acme-challenge" }

    public func present(_ context: ChallengeContext) async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: webroot, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SolverError.webroot(path: webroot, operation: "use webroot", errno: ENOENT)
        }
        for directory in [webroot + "/.well-known", challengeDirectory] where mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw SolverError.webroot(path: directory, operation: "create", errno: errno)
        }
        let path = challengeDirectory + "/" + context.token
        // World-readable on purpose: the web server must read it; it is not secret.
        guard FileManager.default.createFile(atPath: path, contents: Data(context.keyAuthorization.utf8),
                                             attributes: [.posixPermissions: 0o644]) else {
            throw SolverError.webroot(path: path, operation: "write", errno: errno == 0 ? EACCES : errno)
        }
    }

    public func cleanUp(_ context: ChallengeContext) async throws {
        let path = challengeDirectory + "/" + context.token
        if unlink(path) != 0 && errno != ENOENT {
            throw SolverError.webroot(path: path, operation: "remove", errno: errno)
        }
        // rmdir only succeeds on empty directories, so other orders' tokens and
        // a pre-existing .well-known with other content are left alone.
        _ = rmdir(challengeDirectory)
        _ = rmdir(webroot + "/.well-known")
    }
}
