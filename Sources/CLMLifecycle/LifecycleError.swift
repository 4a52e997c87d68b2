public import CLMDeploy

/// Why a lifecycle step (renew run, adopt, hooks test) could not go ahead,
/// written for the operator. Deploy failures keep their own ``DeployError``.
public enum LifecycleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Another renew or deploy holds the state dir's lock.
    case locked(path: String)
    /// The config (or the request) cannot do this; exit 2.
    case notConfigured(String)
    /// The ACME server could not be reached or refused the account: not a config error.
    case caUnavailable(url: String, why: String)
    /// A file of the state dir or the config could not be read or written.
    case files(DeployError)
    /// A step could not be done (the inventory unreadable, the account refused, ...).
    case failed(String)

    public var description: String {
        switch self {
        case .locked(let path): return "another clm renew/deploy is running (it holds \(path)); try again when it has finished"
        case .notConfigured(let what): return what
        case .caUnavailable(let url, let why):
            return "the ACME server \(url) is unavailable: \(why) (nothing was issued; certificates that only needed a deploy were deployed; the next run retries)"
        case .files(let error): return error.description
        case .failed(let why): return why
        }
    }
}
