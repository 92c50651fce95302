/* An MQTT rule pack in C, for flowsieve.
 *
 * MQTT (v3.1 "MQIsdp", v3.1.1 and v5 "MQTT") opens every connection with a CONNECT packet from
 * the client: type 1 (first byte 0x10), a variable-length "remaining length", then the protocol
 * name as a 16-bit length and bytes, then the protocol level. That is what this rule checks.
 *
 * Build: ./build.sh   (clang + lld for wasm32, no libc; then `flowsieve classifiers componentize`)
 */
#include "flowsieve.h"

#define PACK_NAME "mqtt-c"
#define MQTT 0 /* index of the rule in the manifest */

void rule_manifest(classifier_manifest_t *m) {
  fs_manifest(m, PACK_NAME, "0.1.0");
  uint32_t mqtt = fs_rule(m, "MQTT", "Message_Queuing", CLASSIFIER_TRANSPORT_TCP, 5);
  /* The host offers the pack only flows whose client payload starts with 0x10 (CONNECT). */
  static const uint8_t connect[] = {0x10};
  fs_lead(m, mqtt, CLASSIFIER_DIRECTION_CLIENT, 0, connect, NULL, sizeof connect);
}

classifier_outcome_t rule_classify(const classifier_flow_view_t *flow) {
  const uint8_t *p = flow->client.prefix.ptr;
  size_t n = flow->client.prefix.len;
  if (n == 0) return fs_no_match(); /* the client speaks first in MQTT */
  if (p[0] != 0x10) return fs_no_match();

  /* Remaining length: 1 to 4 bytes, 7 bits each, high bit = more follow. */
  size_t i = 1;
  uint32_t remaining = 0;
  for (int shift = 0;; shift += 7) {
    if (i >= n) return fs_need_more();
    if (shift > 21) return fs_no_match();
    uint8_t b = p[i++];
    remaining |= (uint32_t)(b & 0x7f) << shift;
    if ((b & 0x80) == 0) break;
  }
  /* Protocol name length, name, level. */
  if (n < i + 2) return fs_need_more();
  size_t name_len = ((size_t)p[i] << 8) | p[i + 1];
  if (name_len != 4 && name_len != 6) return fs_no_match();
  if (remaining < 2 + name_len + 4) return fs_no_match(); /* + level, flags, keep-alive */
  if (n < i + 2 + name_len + 1) return fs_need_more();
  const uint8_t *name = p + i + 2;
  uint8_t level = p[i + 2 + name_len];
  if (name_len == 4 && memcmp(name, "MQTT", 4) == 0 && (level == 4 || level == 5))
    return fs_matched(MQTT);
  if (name_len == 6 && memcmp(name, "MQIsdp", 6) == 0 && level == 3) return fs_matched(MQTT);
  return fs_no_match();
}
