// Thin C shims for what Swift cannot call directly: OpenSSL function-like
// macros and stack accessors, the variadic EVP_PKEY_Q_keygen, and curl's
// variadic curl_easy_setopt / curl_easy_getinfo (one wrapper per argument type).
#ifndef CLM_SHIMS_H
#define CLM_SHIMS_H

#include <stddef.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/pkcs7.h>
#include <openssl/pkcs12.h>
#include <openssl/evp.h>
#include <curl/curl.h>

// --- OpenSSL: stacks -------------------------------------------------------
int clm_sk_X509_num(const STACK_OF(X509) *sk);
X509 *clm_sk_X509_value(const STACK_OF(X509) *sk, int i);
STACK_OF(X509) *clm_sk_X509_new_null(void);
int clm_sk_X509_push(STACK_OF(X509) *sk, X509 *x);
/// Frees the stack and every certificate in it.
void clm_sk_X509_pop_free(STACK_OF(X509) *sk);
/// Frees the stack only (certificates are owned elsewhere).
void clm_sk_X509_free(STACK_OF(X509) *sk);
int clm_sk_X509_NAME_num(const STACK_OF(X509_NAME) *sk);
X509_NAME *clm_sk_X509_NAME_value(const STACK_OF(X509_NAME) *sk, int i);

// --- OpenSSL: misc macros --------------------------------------------------
long clm_BIO_get_mem_data(BIO *bio, char **out);
int clm_SSL_set_tlsext_host_name(SSL *ssl, const char *name);
int clm_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
int clm_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
int clm_SSL_set_tlsext_status_type_ocsp(SSL *ssl);
/// Length of the stapled OCSP response, or -1 when none was sent.
long clm_SSL_get_tlsext_status_ocsp_resp_len(SSL *ssl);
void clm_OPENSSL_free(void *ptr);
int clm_ERR_GET_LIB(unsigned long e);
int clm_ERR_GET_REASON(unsigned long e);

/// The certificates carried by a PKCS#7 SignedData (or SignedAndEnveloped)
/// structure; owned by `p7`, NULL when it carries none.
STACK_OF(X509) *clm_PKCS7_certificates(PKCS7 *p7);

/// The largest key-derivation cost a PKCS#12 file asks for, wherever it is
/// written: the MAC, each encrypted authenticated-safe (PBES2/PBKDF2,
/// scrypt N*r*p, legacy PKCS#12 PBE) and each shrouded key bag, nested bags
/// included. Encrypted safes are opened with `pass` only when their own cost
/// is within `cap`, so the bags inside are checked before PKCS12_parse ever
/// derives their keys. Stops early and returns the first cost over `cap`;
/// LONG_MAX for a count too large to read. A safe that does not decrypt with
/// `pass` is skipped (PKCS12_parse fails on it the same way).
long clm_PKCS12_max_iterations(PKCS12 *p12, const char *pass, long cap);

/// For the differential fuzzer: OpenSSL's view of a certificate's facts.
/// notAfter as seconds since the epoch (0 and *ok = 0 when unreadable).
long long clm_X509_not_after_epoch(const X509 *x, int *ok);
/// The serial's content octets (what follows tag and length), into `out`
/// (up to `capacity` bytes); returns the full length, or -1.
int clm_X509_serial_content(const X509 *x, unsigned char *out, int capacity);
/// DNS names of the subjectAltName, each as a 2-byte big-endian length and
/// its bytes, into `out`; returns the bytes needed, or -1 when the extension
/// is present but unreadable.
int clm_X509_dns_names(X509 *x, unsigned char *out, int capacity);

/// EVP_PKEY_Q_keygen is variadic.
EVP_PKEY *clm_keygen_ec(const char *curve);
EVP_PKEY *clm_keygen_rsa(size_t bits);

/// Records on the SSL object (app data) whether the server sent a
/// CertificateRequest; the callback declines to send a certificate.
void clm_SSL_CTX_install_client_cert_probe(SSL_CTX *ctx);
int clm_SSL_client_cert_requested(const SSL *ssl);

// --- curl: variadic setopt/getinfo -----------------------------------------
typedef size_t (*clm_curl_write_fn)(char *ptr, size_t size, size_t nmemb, void *userdata);
CURLcode clm_curl_setopt_long(CURL *curl, CURLoption option, long value);
CURLcode clm_curl_setopt_string(CURL *curl, CURLoption option, const char *value);
CURLcode clm_curl_setopt_pointer(CURL *curl, CURLoption option, void *value);
CURLcode clm_curl_setopt_write_function(CURL *curl, CURLoption option, clm_curl_write_fn fn);
CURLcode clm_curl_getinfo_long(CURL *curl, CURLINFO info, long *value);
CURLcode clm_curl_getinfo_string(CURL *curl, CURLINFO info, char **value);
CURLcode clm_curl_getinfo_double(CURL *curl, CURLINFO info, double *value);

// --- request stage (acme): CSR subjectAltName ------------------------------
/// A GENERAL_NAMES stack (opaque to Swift), built name by name.
void *clm_general_names_new(void);
void clm_general_names_free(void *names);
/// 1 on success, 0 on failure (error on OpenSSL's queue).
int clm_general_names_add_dns(void *names, const char *dns);
/// `ip` is textual IPv4 or IPv6; 1 on success, 0 when it does not parse.
int clm_general_names_add_ip(void *names, const char *ip);
/// Adds a (non-critical) subjectAltName extension request to `req`.
int clm_X509_REQ_add_subject_alt_names(X509_REQ *req, void *names);

// --- OpenSSL: TLS probe (branch tls) ---------------------------------------
/// One-line RFC 2253 rendering of a name; free with clm_OPENSSL_free. NULL on failure.
char *clm_X509_NAME_rfc2253(const X509_NAME *name);
/// Options for a diagnostic client: tolerate legacy renegotiation and an
/// unexpected EOF, no session tickets.
void clm_SSL_CTX_set_probe_options(SSL_CTX *ctx);
/// Runs X509_verify_cert over `leaf` + `untrusted` against `store`, with the
/// verification time fixed to `at` when `use_time` != 0 and the host name
/// `host` checked when not NULL. Returns the X509_V_* code (0 = ok), or -1
/// when the context could not be set up.
int clm_verify_chain(X509_STORE *store, X509 *leaf, STACK_OF(X509) *untrusted,
                     int use_time, long long at, const char *host, int *depth_out);

// ---- deploy hooks ----
/// pipe2(fds, O_CLOEXEC): both ends close-on-exec from the start, so a hook
/// spawned concurrently on another thread never inherits them.
int clm_pipe_cloexec(int fds[2]);

/// accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK): an accepted
/// connection is close-on-exec from the start, so a process spawned on
/// another thread never inherits it (and keeps the server's port busy).
int clm_accept_cloexec_nonblock(int fd);

#endif
