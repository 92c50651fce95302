// An MQTT rule pack in JavaScript (QuickJS), for flowsieve.
//
// MQTT (v3.1 "MQIsdp", v3.1.1 and v5 "MQTT") opens every connection with a CONNECT packet from
// the client: type 1 (first byte 0x10), a variable-length "remaining length", then the protocol
// name as a 16-bit length and bytes, then the protocol level. That is what this rule checks.
//
// Build: ./build.sh  (componentize-qjs --stub-wasi --sync: an import-free component, rule.wasm)
//
// The WIT types as JavaScript sees them: records are objects with camelCase fields
// (flow.client.firstPayloadLen), list<u8> is a Uint8Array, enums are strings ("tcp"), an option
// is the value or undefined, and a variant is { tag: "matched", val: 0 } / { tag: "no-match" }.

const PACK_NAME = "mqtt-js";
const MQTT = 0; // index of the rule in the manifest

const MATCHED = { tag: "matched", val: MQTT };
const NO_MATCH = { tag: "no-match" };
const NEED_MORE = { tag: "need-more" };

export function manifest() {
  return {
    name: PACK_NAME,
    version: "0.1.0",
    rules: [
      {
        protocol: "MQTT",
        category: "Message_Queuing",
        transport: "tcp",
        priority: 5,
        ports: [],
        // The host offers the pack only flows whose client payload starts with 0x10 (CONNECT).
        leads: [{ direction: "client", offset: 0, value: new Uint8Array([0x10]), mask: new Uint8Array(0) }],
      },
    ],
  };
}

function nameIs(p, at, text) {
  for (let k = 0; k < text.length; k++) {
    if (p[at + k] !== text.charCodeAt(k)) return false;
  }
  return true;
}

export function classify(flow) {
  const p = flow.client.prefix;
  const n = p.length;
  if (n === 0 || p[0] !== 0x10) return NO_MATCH; // the client speaks first, with CONNECT
  // Remaining length: 1 to 4 bytes, 7 bits each, high bit = more follow.
  let i = 1;
  let remaining = 0;
  for (let shift = 0; ; shift += 7) {
    if (i >= n) return NEED_MORE;
    if (shift > 21) return NO_MATCH;
    const b = p[i++];
    remaining += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  // Protocol name length, name, level.
  if (n < i + 2) return NEED_MORE;
  const nameLen = (p[i] << 8) | p[i + 1];
  if ((nameLen !== 4 && nameLen !== 6) || remaining < 2 + nameLen + 4) return NO_MATCH;
  if (n < i + 2 + nameLen + 1) return NEED_MORE;
  const level = p[i + 2 + nameLen];
  if (nameLen === 4 && nameIs(p, i + 2, "MQTT") && (level === 4 || level === 5)) return MATCHED;
  if (nameLen === 6 && nameIs(p, i + 2, "MQIsdp") && level === 3) return MATCHED;
  return NO_MATCH;
}
