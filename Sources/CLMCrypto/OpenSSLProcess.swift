internal import COpenSSL

/// How OpenSSL ends with the process.
public enum OpenSSLProcess {
    /// Stops OpenSSL from registering its `atexit` cleanup. Call it first in
    /// `main`, before anything (libcurl, libpq, clm) initialises OpenSSL: the
    /// first initialisation decides, later ones cannot register the handler.
    ///
    /// Why: `exit` runs `OPENSSL_cleanup` on the exiting thread while other
    /// threads may still be inside OpenSSL or running its thread-exit
    /// destructors (Swift's cooperative pool and libdispatch workers retire
    /// threads on their own schedule). That race crashed `clm request` with
    /// SIGSEGV after it had printed its error (about 1 run in 50, release
    /// build). The kernel frees the memory anyway; there is nothing to flush.
    /// OpenSSL issue 6214 describes the race; libdatachannel does the same.
    @discardableResult
    public static func skipCleanupAtExit() -> Bool {
        OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil) == 1
    }
}
