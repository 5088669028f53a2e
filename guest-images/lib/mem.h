/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few string and memory functions guests need. The compiler may also
 * emit calls to memset/memcpy/memmove/memcmp by itself, even freestanding.
 */
#ifndef GUEST_MEM_H
#define GUEST_MEM_H

#include <stddef.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
