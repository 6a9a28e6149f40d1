#ifndef INLET_CCRYPTO_SHIM_H
#define INLET_CCRYPTO_SHIM_H

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#endif
