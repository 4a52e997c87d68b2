#include <string.h>
#include <time.h>
#include <limits.h>
#include <stdint.h>
#include <openssl/x509v3.h>
#include "clm_shims.h"
#include <openssl/err.h>
#include <openssl/core_names.h>

int clm_sk_X509_num(const STACK_OF(X509) *sk) { return sk_X509_num(sk); }
X509 *clm_sk_X509_value(const STACK_OF(X509) *sk, int i) { return sk_X509_value(sk, i); }
STACK_OF(X509) *clm_sk_X509_new_null(void) { return sk_X509_new_null(); }
int clm_sk_X509_push(STACK_OF(X509) *sk, X509 *x) { return sk_X509_push(sk, x); }
void clm_sk_X509_pop_free(STACK_OF(X509) *sk) { sk_X509_pop_free(sk, X509_free); }
void clm_sk_X509_free(STACK_OF(X509) *sk) { sk_X509_free(sk); }
int clm_sk_X509_NAME_num(const STACK_OF(X509_NAME) *sk) { return sk_X509_NAME_num(sk); }
X509_NAME *clm_sk_X509_NAME_value(const STACK_OF(X509_NAME) *sk, int i) { return sk_X509_NAME_value(sk, i); }

long clm_BIO_get_mem_data(BIO *bio, char **out) { return BIO_get_mem_data(bio, out); }
int clm_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return (int)SSL_set_tlsext_host_name(ssl, name); }
int clm_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_min_proto_version(ctx, v); }
int clm_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int v) { return (int)SSL_CTX_set_max_proto_version(ctx, v); }
int clm_SSL_set_tlsext_status_type_ocsp(SSL *ssl) { return (int)SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp); }
long clm_SSL_get_tlsext_status_ocsp_resp_len(SSL *ssl) {
    const unsigned char *resp = NULL;
    long len = SSL_get_tlsext_status_ocsp_resp(ssl, &resp);
    return resp == NULL ? -1 : len;
}
void clm_OPENSSL_free(void *ptr) { OPENSSL_free(ptr); }
int clm_ERR_GET_LIB(unsigned long e) { return ERR_GET_LIB(e); }
int clm_ERR_GET_REASON(unsigned long e) { return ERR_GET_REASON(e); }

STACK_OF(X509) *clm_PKCS7_certificates(PKCS7 *p7) {
    if (p7 == NULL || p7->d.ptr == NULL) return NULL;
    int type = OBJ_obj2nid(p7->type);
    if (type == NID_pkcs7_signed) return p7->d.sign->cert;
    if (type == NID_pkcs7_signedAndEnveloped) return p7->d.signed_and_enveloped->cert;
    return NULL;
}

/* Rounds of key derivation an algorithm identifier asks for: 0 when it asks
 * for none we know (OpenSSL then refuses it itself). */
static long clm_pbe_cost(const X509_ALGOR *alg) {
    if (alg == NULL) return 0;
    const ASN1_OBJECT *object = NULL;
    int ptype = 0;
    const void *pval = NULL;
    X509_ALGOR_get0(&object, &ptype, &pval, alg);
    if (ptype != V_ASN1_SEQUENCE) return 0;
    const ASN1_TYPE *parameter = alg->parameter;
    long cost = 0;
    if (OBJ_obj2nid(object) == NID_pbes2) {
        PBE2PARAM *pbe2 = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBE2PARAM), parameter);
        if (pbe2 == NULL) return 0;
        int kdf = OBJ_obj2nid(pbe2->keyfunc->algorithm);
        if (kdf == NID_id_pbkdf2) {
            PBKDF2PARAM *params = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBKDF2PARAM), pbe2->keyfunc->parameter);
            if (params != NULL) cost = ASN1_INTEGER_get(params->iter);
            PBKDF2PARAM_free(params);
        } else if (kdf == NID_id_scrypt) {
            SCRYPT_PARAMS *params = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(SCRYPT_PARAMS), pbe2->keyfunc->parameter);
            if (params != NULL) {
                uint64_t n = 0, r = 0, p = 0;
                if (!ASN1_INTEGER_get_uint64(&n, params->costParameter) || !ASN1_INTEGER_get_uint64(&r, params->blockSize)
                    || !ASN1_INTEGER_get_uint64(&p, params->parallelizationParameter)
                    || n > LONG_MAX || (r != 0 && p > (uint64_t)LONG_MAX / r) || (r * p != 0 && n > (uint64_t)LONG_MAX / (r * p))) {
                    cost = LONG_MAX;
                } else {
                    cost = (long)(n * r * p);
                }
            }
            SCRYPT_PARAMS_free(params);
        }
        PBE2PARAM_free(pbe2);
    } else {
        PBEPARAM *params = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(PBEPARAM), parameter);
        if (params != NULL) cost = ASN1_INTEGER_get(params->iter);
        PBEPARAM_free(params);
    }
    return cost < 0 ? LONG_MAX : cost;  /* ASN1_INTEGER_get gives -1 for what does not fit */
}

static long clm_bags_max_cost(const STACK_OF(PKCS12_SAFEBAG) *bags, long cap, int depth) {
    long worst = 0;
    if (depth > 16) return LONG_MAX;
    for (int i = 0; i < sk_PKCS12_SAFEBAG_num(bags) && worst <= cap; i++) {
        const PKCS12_SAFEBAG *bag = sk_PKCS12_SAFEBAG_value(bags, i);
        long cost = 0;
        switch (PKCS12_SAFEBAG_get_nid(bag)) {
        case NID_pkcs8ShroudedKeyBag: {
            const X509_ALGOR *alg = NULL;
            X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag), &alg, NULL);
            cost = clm_pbe_cost(alg);
            break;
        }
        case NID_safeContentsBag:
            cost = clm_bags_max_cost(PKCS12_SAFEBAG_get0_safes(bag), cap, depth + 1);
            break;
        default:
            break;
        }
        if (cost > worst) worst = cost;
    }
    return worst;
}

long clm_PKCS12_max_iterations(PKCS12 *p12, const char *pass, long cap) {
    long worst = 0;
    const ASN1_INTEGER *mac_iterations = NULL;
    PKCS12_get0_mac(NULL, NULL, NULL, &mac_iterations, p12);
    if (mac_iterations != NULL) {
        worst = ASN1_INTEGER_get(mac_iterations);
        if (worst < 0) return LONG_MAX;
        if (worst > cap) return worst;
    }
    STACK_OF(PKCS7) *safes = PKCS12_unpack_authsafes(p12);
    if (safes == NULL) return worst;
    for (int i = 0; i < sk_PKCS7_num(safes) && worst <= cap; i++) {
        PKCS7 *safe = sk_PKCS7_value(safes, i);
        STACK_OF(PKCS12_SAFEBAG) *bags = NULL;
        int type = OBJ_obj2nid(safe->type);
        if (type == NID_pkcs7_data) {
            bags = PKCS12_unpack_p7data(safe);
        } else if (type == NID_pkcs7_encrypted && safe->d.encrypted != NULL && safe->d.encrypted->enc_data != NULL) {
            long cost = clm_pbe_cost(safe->d.encrypted->enc_data->algorithm);
            if (cost > worst) worst = cost;
            if (cost <= cap) bags = PKCS12_unpack_p7encdata(safe, pass, -1);
        }
        if (bags != NULL) {
            long cost = clm_bags_max_cost(bags, cap, 0);
            if (cost > worst) worst = cost;
            sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
        }
    }
    sk_PKCS7_pop_free(safes, PKCS7_free);
    ERR_clear_error();
    return worst;
}

long long clm_X509_not_after_epoch(const X509 *x, int *ok) {
    struct tm tm;
    *ok = 0;
    const ASN1_TIME *t = X509_get0_notAfter(x);
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm)) return 0;
    *ok = 1;
    return (long long)timegm(&tm);
}

int clm_X509_serial_content(const X509 *x, unsigned char *out, int capacity) {
    const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
    unsigned char *der = NULL;
    int length = i2d_ASN1_INTEGER(serial, &der);
    if (length <= 0) return -1;
    /* Skip the tag and the (short or long form) length. */
    int offset = 2;
    if (der[1] & 0x80) offset += der[1] & 0x7F;
    int content = length - offset;
    if (content < 0) { OPENSSL_free(der); return -1; }
    memcpy(out, der + offset, content < capacity ? content : capacity);
    OPENSSL_free(der);
    return content;
}

int clm_X509_dns_names(X509 *x, unsigned char *out, int capacity) {
    int critical = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, &critical, NULL);
    if (names == NULL) return critical == -1 ? 0 : -1;  /* absent: no names; present but bad: -1 */
    int used = 0;
    for (int i = 0; i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
        if (name->type != GEN_DNS) continue;
        int length = ASN1_STRING_length(name->d.dNSName);
        if (used + 2 + length <= capacity) {
            out[used] = (unsigned char)(length >> 8);
            out[used + 1] = (unsigned char)length;
            memcpy(out + used + 2, ASN1_STRING_get0_data(name->d.dNSName), length);
        }
        used += 2 + length;
    }
    GENERAL_NAMES_free(names);
    return used;
}

EVP_PKEY *clm_keygen_ec(const char *curve) { return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve); }
EVP_PKEY *clm_keygen_rsa(size_t bits) { return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", bits); }

static int clm_client_cert_probe(SSL *ssl, X509 **x509, EVP_PKEY **pkey) {
    (void)x509; (void)pkey;
    SSL_set_app_data(ssl, (char *)1);
    return 0; // send no certificate
}
void clm_SSL_CTX_install_client_cert_probe(SSL_CTX *ctx) { SSL_CTX_set_client_cert_cb(ctx, clm_client_cert_probe); }
int clm_SSL_client_cert_requested(const SSL *ssl) { return SSL_get_app_data(ssl) != NULL; }

CURLcode clm_curl_setopt_long(CURL *c, CURLoption o, long v) { return curl_easy_setopt(c, o, v); }
CURLcode clm_curl_setopt_string(CURL *c, CURLoption o, const char *v) { return curl_easy_setopt(c, o, v); }
CURLcode clm_curl_setopt_pointer(CURL *c, CURLoption o, void *v) { return curl_easy_setopt(c, o, v); }
CURLcode clm_curl_setopt_write_function(CURL *c, CURLoption o, clm_curl_write_fn fn) { return curl_easy_setopt(c, o, fn); }
CURLcode clm_curl_getinfo_long(CURL *c, CURLINFO i, long *v) { return curl_easy_getinfo(c, i, v); }
CURLcode clm_curl_getinfo_string(CURL *c, CURLINFO i, char **v) { return curl_easy_getinfo(c, i, v); }
CURLcode clm_curl_getinfo_double(CURL *c, CURLINFO i, double *v) { return curl_easy_getinfo(c, i, v); }

// --- request stage (acme): CSR subjectAltName ------------------------------
#include <openssl/x509v3.h>

void *clm_general_names_new(void) { return sk_GENERAL_NAME_new_null(); }
void clm_general_names_free(void *names) { GENERAL_NAMES_free((GENERAL_NAMES *)names); }

int clm_general_names_add_dns(void *names, const char *dns) {
    GENERAL_NAME *gn = GENERAL_NAME_new();
    ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
    if (gn == NULL || ia5 == NULL || !ASN1_STRING_set(ia5, dns, -1)) {
        GENERAL_NAME_free(gn); ASN1_IA5STRING_free(ia5); return 0;
    }
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
    if (!sk_GENERAL_NAME_push((GENERAL_NAMES *)names, gn)) { GENERAL_NAME_free(gn); return 0; }
    return 1;
}

int clm_general_names_add_ip(void *names, const char *ip) {
    ASN1_OCTET_STRING *os = a2i_IPADDRESS(ip);
    if (os == NULL) return 0;
    GENERAL_NAME *gn = GENERAL_NAME_new();
    if (gn == NULL) { ASN1_OCTET_STRING_free(os); return 0; }
    GENERAL_NAME_set0_value(gn, GEN_IPADD, os);
    if (!sk_GENERAL_NAME_push((GENERAL_NAMES *)names, gn)) { GENERAL_NAME_free(gn); return 0; }
    return 1;
}

int clm_X509_REQ_add_subject_alt_names(X509_REQ *req, void *names) {
    STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
    if (exts == NULL) return 0;
    X509_EXTENSION *ext = X509V3_EXT_i2d(NID_subject_alt_name, 0, names);
    if (ext == NULL || !sk_X509_EXTENSION_push(exts, ext)) {
        X509_EXTENSION_free(ext); sk_X509_EXTENSION_free(exts); return 0;
    }
    int ok = X509_REQ_add_extensions(req, exts);
    sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
    return ok;
}

// --- OpenSSL: TLS probe (branch tls) ---------------------------------------
char *clm_X509_NAME_rfc2253(const X509_NAME *name) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) return NULL;
    char *out = NULL;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char *data = NULL;
        long len = BIO_get_mem_data(bio, &data);
        out = OPENSSL_malloc((size_t)len + 1);
        if (out != NULL) {
            if (len > 0) memcpy(out, data, (size_t)len);
            out[len] = 0;
        }
    }
    BIO_free(bio);
    return out;
}

void clm_SSL_CTX_set_probe_options(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_TICKET);
}

int clm_verify_chain(X509_STORE *store, X509 *leaf, STACK_OF(X509) *untrusted,
                     int use_time, long long at, const char *host, int *depth_out) {
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    if (ctx == NULL) return -1;
    if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1) { X509_STORE_CTX_free(ctx); return -1; }
    X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
    if (use_time) X509_VERIFY_PARAM_set_time(param, (time_t)at);
    if (host != NULL) {
        ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);
        if (ip != NULL) {
            ASN1_OCTET_STRING_free(ip);
            X509_VERIFY_PARAM_set1_ip_asc(param, host);
        } else {
            X509_VERIFY_PARAM_set1_host(param, host, 0);
        }
    }
    X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
    int ok = X509_verify_cert(ctx);
    int code = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    if (depth_out != NULL) *depth_out = X509_STORE_CTX_get_error_depth(ctx);
    X509_STORE_CTX_free(ctx);
    return code;
}

// ---- deploy hooks ----
#include <fcntl.h>
extern int pipe2(int pipefd[2], int flags);
int clm_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

#include <sys/socket.h>
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
int clm_accept_cloexec_nonblock(int fd) { return accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK); }
