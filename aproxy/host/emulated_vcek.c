/* The emulated PSP's VCEK (emulated_vcek.h). */
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "emulated_vcek.h"

static X509_NAME *name_of(const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    if (n && (!X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"nutshell development", -1, -1, 0) ||
              !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0))) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

/* The certificate of key, issued by psp_key; its DER in *der (malloc'd by OpenSSL). */
static int certify(EVP_PKEY *key, EVP_PKEY *psp_key, unsigned char **der)
{
    X509 *c = X509_new();
    X509_NAME *subject = name_of(EMULATED_VCEK_CN), *issuer = name_of(EMULATED_PSP_CN);
    unsigned char serial[16];
    BIGNUM *bn = RAND_bytes(serial, sizeof(serial)) == 1 ? BN_bin2bn(serial, sizeof(serial), NULL) : NULL;
    int len = -1;
    if (c && subject && issuer && bn && X509_set_version(c, 2) && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c)) &&
        X509_set_subject_name(c, subject) && X509_set_issuer_name(c, issuer) &&
        X509_gmtime_adj(X509_getm_notBefore(c), -3600) && X509_gmtime_adj(X509_getm_notAfter(c), 30L * 24 * 3600) &&
        X509_set_pubkey(c, key) && X509_sign(c, psp_key, EVP_sha384()) > 0)
        len = i2d_X509(c, der);
    BN_free(bn);
    X509_NAME_free(subject);
    X509_NAME_free(issuer);
    X509_free(c);
    return len;
}

int emulated_vcek_make(EVP_PKEY *psp_key, struct emulated_vcek *v)
{
    memset(v, 0, sizeof(*v));
    unsigned char *der = NULL;
    int len = (v->key = EVP_EC_gen("P-384")) ? certify(v->key, psp_key, &der) : -1;
    struct cert_entry e = {.kind = CERT_VCEK, .der = der, .len = len > 0 ? (size_t)len : 0};
    memcpy(e.guid, cert_kind_guid(CERT_VCEK), 16);
    if (len > 0)
        v->table_len = cert_table_build(&e, 1, v->table, sizeof(v->table));
    OPENSSL_free(der);
    if (!v->table_len) {
        fprintf(stderr, "aproxy-host: emulated PSP: cannot make the emulated VCEK\n");
        emulated_vcek_free(v);
        return -1;
    }
    fprintf(stderr, "aproxy-host: emulated PSP: new EMULATED VCEK for this run (P-384, certificate of %d bytes "
                    "issued by the emulated PSP key)\n", len);
    return 0;
}

void emulated_vcek_free(struct emulated_vcek *v)
{
    EVP_PKEY_free(v->key);
    v->key = NULL;
    v->table_len = 0;
}
