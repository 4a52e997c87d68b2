internal import COpenSSL
internal import CShims

/// An `SSL_CTX` configured for diagnosis: it offers every protocol version
/// from TLS 1.0 (or exactly one, when pinned), at security level 0 so old
/// servers still complete the handshake, and verifies without aborting so
/// the chain can be inspected even when a client would refuse it.
final class TLSClientContext {
    let ctx: OpaquePointer

    /// - Parameters:
    ///   - pinned: offer only this version (for version probing).
    ///   - trust: load a trust store (system paths, or `caFile` alone).
    init(pinned: TLSVersion?, trust: Bool, caFile: String?) throws(OpenSSLError) {
        OpenSSLError.clearQueue()
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw OpenSSLError.capture("creating the TLS client context", call: "SSL_CTX_new")
        }
        self.ctx = ctx
        clm_SSL_CTX_set_probe_options(ctx)
        SSL_CTX_set_security_level(ctx, 0)
        guard SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0") == 1 else {
            throw OpenSSLError.capture("choosing cipher suites", call: "SSL_CTX_set_cipher_list")
        }
        let low = pinned?.wireValue ?? TLSVersion.tls1_0.wireValue
        let high = pinned?.wireValue ?? TLSVersion.tls1_3.wireValue
        guard clm_SSL_CTX_set_min_proto_version(ctx, low) == 1,
              clm_SSL_CTX_set_max_proto_version(ctx, high) == 1 else {
            throw OpenSSLError.capture("pinning the protocol version", call: "SSL_CTX_set_min_proto_version")
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nil)
        clm_SSL_CTX_install_client_cert_probe(ctx)
        if trust {
            if let caFile {
                guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
                    throw OpenSSLError.capture("loading CA file \(caFile)", call: "SSL_CTX_load_verify_locations")
                }
            } else {
                guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                    throw OpenSSLError.capture("loading the system trust store", call: "SSL_CTX_set_default_verify_paths")
                }
            }
        }
    }

    deinit { SSL_CTX_free(ctx) }
}

// An SSL_CTX is safe to share between threads once configured: it is only
// read (SSL_new takes a reference) and OpenSSL locks its internal caches.
extension TLSClientContext: @unchecked Sendable {}

/// One `SSL` connection object; per probe, never shared between threads.
final class SSLHandle {
    let ssl: OpaquePointer

    init(context: TLSClientContext) throws(OpenSSLError) {
        guard let ssl = SSL_new(context.ctx) else {
            throw OpenSSLError.capture("creating a TLS connection", call: "SSL_new")
        }
        self.ssl = ssl
    }

    deinit { SSL_free(ssl) }
}
