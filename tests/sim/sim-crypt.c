/* sim-crypt — real ciphers through OpenSSL EVP, every secret derived from --seed so that runs
 * are reproducible:
 *   key  = SHA-256("ransomguard-sim:key:<seed>:0")
 *   IV   = SHA-256("ransomguard-sim:iv:<seed>:<file index>")[0..16]   (ChaCha20: counter word 0)
 *   XOR  = SHA-256("ransomguard-sim:xor:<seed>:0")[0..16]
 *   pass = hex(SHA-256("ransomguard-sim:pass:<seed>:0"))                (exec_per_file) */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "sim.h"

void sim_derive(const char *label, uint64_t seed, uint64_t index, unsigned char out[32]) {
        char msg[128];
        unsigned int mdlen = 32;
        int n = snprintf(msg, sizeof msg, "ransomguard-sim:%s:%llu:%llu", label, (unsigned long long) seed,
                         (unsigned long long) index);

        if (EVP_Digest(msg, (size_t) n, out, &mdlen, EVP_sha256(), NULL) != 1)
                memset(out, 0, 32); /* cannot happen with the default provider; stay defined */
}

int sim_cipher_new(enum sim_cipher c, uint64_t seed, uint64_t index, EVP_CIPHER_CTX **ret) {
        unsigned char key[32], ivsrc[32], iv[16];
        const EVP_CIPHER *cipher = c == SIM_CIPHER_CHACHA20 ? EVP_chacha20() : EVP_aes_256_ctr();
        EVP_CIPHER_CTX *ctx;

        if (!cipher)
                return -ENOTSUP;
        sim_derive("key", seed, 0, key);
        sim_derive("iv", seed, index, ivsrc);
        memcpy(iv, ivsrc, sizeof iv);
        if (c == SIM_CIPHER_CHACHA20)
                memset(iv, 0, 4); /* 32-bit block counter starts at 0, 96-bit nonce from the seed */

        ctx = EVP_CIPHER_CTX_new();
        if (!ctx)
                return -ENOMEM;
        if (EVP_EncryptInit_ex(ctx, cipher, NULL, key, iv) != 1) {
                EVP_CIPHER_CTX_free(ctx);
                return -EIO;
        }
        *ret = ctx;
        return 0;
}

/* Stream ciphers: in place is allowed (in == out), output length equals input length. */
int sim_cipher_apply(EVP_CIPHER_CTX *ctx, unsigned char *buf, size_t len) {
        while (len > 0) {
                int n = len > (size_t) INT_MAX / 2 ? INT_MAX / 2 : (int) len;
                int outl = 0;

                if (EVP_EncryptUpdate(ctx, buf, &outl, buf, n) != 1 || outl != n)
                        return -EIO;
                buf += n;
                len -= (size_t) n;
        }
        return 0;
}

void sim_xor_apply(const unsigned char key[16], uint64_t off, unsigned char *buf, size_t len) {
        for (size_t i = 0; i < len; i++)
                buf[i] ^= key[(off + i) % 16];
}

void sim_password(uint64_t seed, char out[65]) {
        static const char hex[] = "0123456789abcdef";
        unsigned char md[32];

        sim_derive("pass", seed, 0, md);
        for (size_t i = 0; i < 32; i++) {
                out[2 * i] = hex[md[i] >> 4];
                out[2 * i + 1] = hex[md[i] & 0xf];
        }
        out[64] = '\0';
}

/* splitmix64: small, well-mixed, deterministic; used for --order random. */
uint64_t sim_prng_next(uint64_t *state) {
        uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}
