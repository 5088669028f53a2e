/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one JSON string writer: every string in vmm's JSON output (plan,
 * caps, selftest) goes through it, so the output is valid JSON (RFC 8259)
 * in UTF-8 whatever the bytes: a host file, a guest's TAP text or a CPU
 * model name may hold anything. Pure but for the FILE it writes to.
 */
#ifndef VMM_COMMON_JSON_H
#define VMM_COMMON_JSON_H

#include <stdio.h>

/*
 * Write s as a quoted JSON string. '"' and '\' are escaped, control
 * characters (U+0000-U+001F) and DEL are written as \n, \t, ... or \u00XX;
 * well-formed UTF-8 (RFC 3629) is copied; every byte that is not part of a
 * well-formed sequence (a stray continuation byte, a truncated sequence, an
 * overlong form, a surrogate U+D800-U+DFFF, a code point above U+10FFFF)
 * becomes U+FFFD, written as \ufffd.
 */
void json_string(FILE *f, const char *s);

#endif
