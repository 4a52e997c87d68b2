/* Peer: OpenSSL's parser over the same files (PEM and DER), reading
 * notAfter, subject and SANs of each certificate. Prints "count seconds". */
#include <dirent.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static long count;

static void touch(X509 *x) {
    const ASN1_TIME *t = X509_get0_notAfter(x);
    char buf[256];
    X509_NAME_oneline(X509_get_subject_name(x), buf, sizeof buf);
    GENERAL_NAMES *sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    if (sans) GENERAL_NAMES_free(sans);
    (void)t;
    count++;
}

static void walk(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) { walk(path); continue; }
        BIO *bio = BIO_new_file(path, "rb");
        if (!bio) continue;
        if (strstr(path, ".der")) {
            X509 *x = d2i_X509_bio(bio, NULL);
            if (x) { touch(x); X509_free(x); }
        } else {
            X509 *x;
            while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) { touch(x); X509_free(x); }
        }
        BIO_free(bio);
    }
    closedir(d);
}

int main(int argc, char **argv) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    walk(argv[1]);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%ld %.4f\n", count, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    return 0;
}
