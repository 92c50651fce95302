/* flowsieve C kit: write a protocol rule pack in C.
 *
 * A rule implements two functions:
 *
 *   void rule_manifest(classifier_manifest_t *m);
 *       Fill in the pack's name, version and rules (fs_manifest / fs_rule / fs_port / fs_lead).
 *   classifier_outcome_t rule_classify(const classifier_flow_view_t *flow);
 *       Look at the flow and answer fs_matched(index), fs_no_match() or fs_need_more().
 *
 * The kit provides the exports the WIT contract (wit/classifier.wit) asks for, a heap with no
 * libc underneath (a bump allocator reset after every classify call, so memory stays flat however
 * many calls an instance serves), and the few libc functions the generated bindings need.
 * Everything a call allocates (the flow view the host hands in, and anything the rule mallocs)
 * is released when rule_classify returns: do not keep pointers into it across calls.
 */
#ifndef FLOWSIEVE_KIT_H
#define FLOWSIEVE_KIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h> /* the kit's memcpy, memcmp, memset, strlen */

#include "classifier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- What a rule implements ---- */
void rule_manifest(classifier_manifest_t *m);
classifier_outcome_t rule_classify(const classifier_flow_view_t *flow);

/* ---- Verdicts ---- */
static inline classifier_outcome_t fs_matched(uint32_t rule_index) {
  classifier_outcome_t o;
  o.tag = CLASSIFIER_OUTCOME_MATCHED;
  o.val.matched = rule_index;
  return o;
}
static inline classifier_outcome_t fs_no_match(void) {
  classifier_outcome_t o;
  o.tag = CLASSIFIER_OUTCOME_NO_MATCH;
  o.val.matched = 0;
  return o;
}
static inline classifier_outcome_t fs_need_more(void) {
  classifier_outcome_t o;
  o.tag = CLASSIFIER_OUTCOME_NEED_MORE;
  o.val.matched = 0;
  return o;
}

/* ---- Manifest building (rule_manifest only) ----
 * Strings are referenced, not copied: pass string literals. Rules are numbered in the order they
 * are added, from 0: that number is what fs_matched() takes. */
void fs_manifest(classifier_manifest_t *m, const char *name, const char *version);
/* Adds a rule; returns its index. transport: CLASSIFIER_TRANSPORT_TCP or _UDP. Lower priority wins. */
uint32_t fs_rule(classifier_manifest_t *m, const char *protocol, const char *category,
                 classifier_transport_t transport, uint8_t priority);
/* Port hint for rule `index` (the host offers it only flows with this client or server port). */
void fs_port(classifier_manifest_t *m, uint32_t index, uint16_t port);
/* Payload lead for rule `index`: `direction`'s payload has `value` (len bytes) at `offset`,
 * compared under `mask` (len bytes, or NULL for exact). A lead must follow from the rule. */
void fs_lead(classifier_manifest_t *m, uint32_t index, classifier_direction_t direction,
             uint16_t offset, const uint8_t *value, const uint8_t *mask, size_t len);

/* ---- Helpers for classify ---- */
/* True if `side`'s payload prefix starts with `len` bytes of `bytes`. */
static inline bool fs_starts_with(const classifier_side_t *side, const void *bytes, size_t len) {
  if (side->prefix.len < len) return false;
  const uint8_t *a = side->prefix.ptr, *b = (const uint8_t *)bytes;
  for (size_t i = 0; i < len; i++)
    if (a[i] != b[i]) return false;
  return true;
}

#ifdef __cplusplus
}
#endif
#endif
