/* flowsieve C kit: the few <string.h> functions rules and the generated bindings use.
 * Rule packs are built with -nostdlib (no libc, no WASI): flowsieve.c defines these. */
#ifndef FLOWSIEVE_KIT_STRING_H
#define FLOWSIEVE_KIT_STRING_H
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif
