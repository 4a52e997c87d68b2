public import Foundation
internal import COpenSSL
internal import CShims

/// Verifies a certificate chain with OpenSSL's `X509_verify_cert`: a leaf
/// plus untrusted intermediates, against the system trust store, a CA file
/// or given certificates, at a fixed time so results are reproducible.
public final class ChainVerifier: Sendable {
    /// Where trust anchors come from.
    public enum Trust: Sendable {
        case system
        /// A PEM file of trusted CA certificates.
        case caFile(String)
        /// DER certificates to trust.
        case certificates([[UInt8]])
    }

    private let store: X509StoreHandle

    /// - Throws: ``OpenSSLError`` when the trust store cannot be loaded.
    public init(trust: Trust) throws(OpenSSLError) {
        store = try X509StoreHandle(trust: trust)
    }

    /// Verifies `leaf` with `intermediates` as untrusted helpers.
    ///
    /// - Parameters:
    ///   - time: verification time (`X509_VERIFY_PARAM_set_time`); nil = now.
    ///   - hostName: DNS name or IP literal the leaf must cover, if any.
    /// - Returns: `X509_V_OK` or the first `X509_V_ERR_*` OpenSSL found, with its depth.
    public func verify(leaf: [UInt8], intermediates: [[UInt8]] = [], at time: Date? = nil,
                       hostName: String? = nil) throws(OpenSSLError) -> VerifyResult {
        let leafCert = try X509Handle(der: leaf)
        let chain = try intermediates.map { (der) throws(OpenSSLError) -> X509Handle in try X509Handle(der: der) }
        guard let stack = clm_sk_X509_new_null() else {
            throw OpenSSLError.capture("allocating a certificate stack", call: "sk_X509_new_null")
        }
        defer { clm_sk_X509_free(stack) }
        for cert in chain { _ = clm_sk_X509_push(stack, cert.x509) }
        var depth: Int32 = 0
        let code = withExtendedLifetime(chain) {
            clm_verify_chain(store.store, leafCert.x509, stack, time == nil ? 0 : 1,
                             Int64(time?.timeIntervalSince1970 ?? 0), hostName, &depth)
        }
        guard code >= 0 else {
            throw OpenSSLError.capture("setting up chain verification", call: "X509_STORE_CTX_init")
        }
        OpenSSLError.clearQueue()
        return VerifyResult(code: Int(code), text: X509DER.verifyErrorText(Int(code)), depth: Int(depth))
    }
}

/// An owned `X509_STORE`.
final class X509StoreHandle: @unchecked Sendable {
    // The store is filled once in init and only read afterwards; OpenSSL
    // locks its lookup caches, so concurrent verifications are safe.
    let store: OpaquePointer

    init(trust: ChainVerifier.Trust) throws(OpenSSLError) {
        OpenSSLError.clearQueue()
        guard let store = X509_STORE_new() else {
            throw OpenSSLError.capture("creating a trust store", call: "X509_STORE_new")
        }
        self.store = store
        switch trust {
        case .system:
            guard X509_STORE_set_default_paths(store) == 1 else {
                throw OpenSSLError.capture("loading the system trust store", call: "X509_STORE_set_default_paths")
            }
        case let .caFile(path):
            guard X509_STORE_load_file(store, path) == 1 else {
                throw OpenSSLError.capture("loading CA file \(path)", call: "X509_STORE_load_file")
            }
        case let .certificates(ders):
            for der in ders {
                let cert = try X509Handle(der: der)
                guard X509_STORE_add_cert(store, cert.x509) == 1 else {
                    throw OpenSSLError.capture("adding a trusted certificate", call: "X509_STORE_add_cert")
                }
            }
        }
    }

    deinit { X509_STORE_free(store) }
}

/// An owned `X509` parsed from DER.
final class X509Handle {
    let x509: OpaquePointer

    init(der: [UInt8]) throws(OpenSSLError) {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor = buffer.baseAddress
            return d2i_X509(nil, &cursor, buffer.count)
        }
        guard let parsed else { throw OpenSSLError.capture("parsing a DER certificate", call: "d2i_X509") }
        x509 = parsed
    }

    deinit { X509_free(x509) }
}
