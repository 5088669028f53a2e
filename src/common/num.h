/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one parser of unsigned numbers for the command line, the PMU options
 * and the host-file format. Pure code.
 *
 * A number is decimal ("0", "42") or hexadecimal after 0x or 0X ("0x2a",
 * "0X2A"): digits only, no sign, no white space, no leading zero on a
 * decimal (so "010" is refused rather than read as octal 8 or decimal 10),
 * at least one digit after 0x. A value above UINT64_MAX is -ERANGE; any
 * other malformed text is -EINVAL.
 */
#ifndef VMM_COMMON_NUM_H
#define VMM_COMMON_NUM_H

#include <stdint.h>

int num_parse_u64(const char *s, uint64_t *v);

/*
 * A size: a number as above, then optionally K, M or G (either case,
 * powers of 1024), itself optionally followed by "iB" or "B" ("64M",
 * "64MiB", "64MB"). Without a suffix the number counts units of
 * 1 << default_shift bytes. Hex digits are taken greedily: "0x1B" is 0x1b
 * units. -ERANGE when the byte count does not fit 64 bits.
 */
int num_parse_size(const char *s, unsigned int default_shift, uint64_t *v);

#endif
