/* flowsieve C kit: the few <stdlib.h> declarations the generated bindings use.
 * Rule packs are built with -nostdlib (no libc, no WASI): flowsieve.c defines these. */
#ifndef FLOWSIEVE_KIT_STDLIB_H
#define FLOWSIEVE_KIT_STDLIB_H
#include <stddef.h>
void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
_Noreturn void abort(void);
#endif
