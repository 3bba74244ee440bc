/* fuzz_jwt_pem.c -- lmk_jwt_sign with PEM keys (RS256, ES256): valid keys
 * with fuzzed claims, and fuzzed bytes as the key.  The harness and its
 * invariants are fuzz_jwt.c's; reading a PEM key takes OpenSSL 3 about
 * two milliseconds, so these inputs run in a target of their own. */
#define FUZZ_JWT_PEM 1
#include "fuzz_jwt.c"
