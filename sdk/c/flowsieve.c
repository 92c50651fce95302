/* flowsieve C kit: the runtime under a C rule pack. No libc, no WASI: the pack imports nothing.
 *
 * - The heap is a bump allocator over linear memory above __heap_base, growing memory as needed
 *   (the host caps it: classifiers.memory_mib). After each classify call it is reset, so an
 *   instance's memory is the largest single call's need, however many calls it serves.
 * - The exports of the `classifier` world call the rule's rule_manifest / rule_classify.
 * - memcpy & co. are plain loops: build with -fno-builtin so the compiler does not turn them back
 *   into calls to themselves.
 */
#include "flowsieve.h"

#include <stdlib.h>
#include <string.h>

#define WASM_PAGE 65536u
/* Every block starts with a header holding its size; 16 keeps blocks 16-byte aligned. */
#define HEADER 16u

extern unsigned char __heap_base;

static uintptr_t heap_start, heap_top, heap_end;

static void heap_init(void) {
  if (heap_start != 0) return;
  heap_start = ((uintptr_t)&__heap_base + (HEADER - 1)) & ~(uintptr_t)(HEADER - 1);
  heap_top = heap_start;
  heap_end = (uintptr_t)__builtin_wasm_memory_size(0) * WASM_PAGE;
}

/* Releases everything allocated since the last reset. Called after each classify call. */
static void heap_reset(void) {
  heap_init();
  heap_top = heap_start;
}

static size_t block_size(const void *ptr) { return *(const size_t *)((const uint8_t *)ptr - HEADER); }

static bool on_heap(const void *ptr) {
  uintptr_t p = (uintptr_t)ptr;
  return heap_start != 0 && p >= heap_start + HEADER && p <= heap_top;
}

void *malloc(size_t size) {
  heap_init();
  size_t rounded = (size + (HEADER - 1)) & ~(size_t)(HEADER - 1);
  if (rounded < size) return NULL;
  uintptr_t block = heap_top;
  uintptr_t end = block + HEADER + rounded;
  if (end < block) return NULL;
  if (end > heap_end) {
    uintptr_t pages = (end - heap_end + WASM_PAGE - 1) / WASM_PAGE;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return NULL;
    heap_end += pages * WASM_PAGE;
  }
  *(size_t *)block = size;
  heap_top = end;
  return (void *)(block + HEADER);
}

void *calloc(size_t count, size_t size) {
  size_t total = count * size;
  if (size != 0 && total / size != count) return NULL;
  void *p = malloc(total);
  if (p) memset(p, 0, total);
  return p;
}

void free(void *ptr) {
  /* Only the most recent block can be given back early; the rest goes at the next reset. */
  if (!ptr || !on_heap(ptr)) return;
  size_t rounded = (block_size(ptr) + (HEADER - 1)) & ~(size_t)(HEADER - 1);
  if ((uintptr_t)ptr + rounded == heap_top) heap_top = (uintptr_t)ptr - HEADER;
}

void *realloc(void *ptr, size_t size) {
  if (!ptr) return malloc(size);
  if (!on_heap(ptr)) return NULL; /* not a heap block: its size is unknown */
  size_t old = block_size(ptr);
  size_t old_rounded = (old + (HEADER - 1)) & ~(size_t)(HEADER - 1);
  if ((uintptr_t)ptr + old_rounded == heap_top) {
    /* The last block: grow or shrink in place. */
    heap_top = (uintptr_t)ptr - HEADER;
    void *same = malloc(size);
    return same; /* malloc reuses the same address and keeps the bytes */
  }
  void *fresh = malloc(size);
  if (fresh) memcpy(fresh, ptr, old < size ? old : size);
  return fresh;
}

_Noreturn void abort(void) { __builtin_trap(); }

void *memcpy(void *dst, const void *src, size_t n) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  uint8_t *d = (uint8_t *)dst;
  const uint8_t *s = (const uint8_t *)src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else if (d > s) {
    d += n;
    s += n;
    while (n--) *--d = *--s;
  }
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  uint8_t *d = (uint8_t *)dst;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

/* ---- Manifest building ---- */

static void *grow(void *ptr, size_t count, size_t elem) {
  void *p = realloc(ptr, count * elem);
  if (!p) abort();
  return p;
}

void fs_manifest(classifier_manifest_t *m, const char *name, const char *version) {
  classifier_string_set(&m->name, name);
  classifier_string_set(&m->version, version);
  m->rules.ptr = NULL;
  m->rules.len = 0;
}

uint32_t fs_rule(classifier_manifest_t *m, const char *protocol, const char *category,
                 classifier_transport_t transport, uint8_t priority) {
  size_t i = m->rules.len;
  m->rules.ptr = (classifier_rule_t *)grow(m->rules.ptr, i + 1, sizeof(classifier_rule_t));
  m->rules.len = i + 1;
  classifier_rule_t *r = &m->rules.ptr[i];
  memset(r, 0, sizeof *r);
  classifier_string_set(&r->protocol, protocol);
  classifier_string_set(&r->category, category);
  r->transport = transport;
  r->priority = priority;
  return (uint32_t)i;
}

static classifier_rule_t *rule_at(classifier_manifest_t *m, uint32_t index) {
  if (index >= m->rules.len) abort(); /* a miscounted manifest fails at load, loudly */
  return &m->rules.ptr[index];
}

void fs_port(classifier_manifest_t *m, uint32_t index, uint16_t port) {
  classifier_rule_t *r = rule_at(m, index);
  size_t i = r->ports.len;
  r->ports.ptr = (uint16_t *)grow(r->ports.ptr, i + 1, sizeof(uint16_t));
  r->ports.len = i + 1;
  r->ports.ptr[i] = port;
}

void fs_lead(classifier_manifest_t *m, uint32_t index, classifier_direction_t direction,
             uint16_t offset, const uint8_t *value, const uint8_t *mask, size_t len) {
  classifier_rule_t *r = rule_at(m, index);
  size_t i = r->leads.len;
  r->leads.ptr = (classifier_lead_t *)grow(r->leads.ptr, i + 1, sizeof(classifier_lead_t));
  r->leads.len = i + 1;
  classifier_lead_t *l = &r->leads.ptr[i];
  l->direction = direction;
  l->offset = offset;
  l->value.ptr = (uint8_t *)malloc(len ? len : 1);
  if (!l->value.ptr) abort();
  memcpy(l->value.ptr, value, len);
  l->value.len = len;
  if (mask) {
    l->mask.ptr = (uint8_t *)malloc(len ? len : 1);
    if (!l->mask.ptr) abort();
    memcpy(l->mask.ptr, mask, len);
    l->mask.len = len;
  } else {
    l->mask.ptr = NULL;
    l->mask.len = 0;
  }
}

/* ---- The world's exports ---- */

void exports_classifier_manifest(classifier_manifest_t *ret) { rule_manifest(ret); }

void exports_classifier_classify(classifier_flow_view_t *flow, classifier_outcome_t *ret) {
  *ret = rule_classify(flow);
  /* The flow view (allocated by the host through cabi_realloc) and whatever the rule allocated
   * are not needed past this point: the generated glue only writes the outcome into a static
   * area next. */
  heap_reset();
}
