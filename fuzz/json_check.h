/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A strict JSON validator (RFC 8259) for the fuzz targets: one value, no
 * trailing text, strings without raw control characters, only the escapes of
 * section 7, \u surrogates in pairs, numbers in the grammar of section 6 and
 * the text well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF).
 */
#ifndef VMM_FUZZ_JSON_CHECK_H
#define VMM_FUZZ_JSON_CHECK_H

#include <stddef.h>

/*
 * 0 when text[0..len) is one valid JSON value; otherwise -1 with why (a
 * message naming the offset) filled.
 */
int json_check(const char *text, size_t len, char *why, size_t why_len);

#endif
